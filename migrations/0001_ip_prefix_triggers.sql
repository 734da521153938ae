-- Keep ip_prefix_lengths complete whatever code writes Ip/Range rows: the prefix length comes from
-- the stored value (`a.b.c.d/nn`; a bare address is a full-length block; an IPv4-mapped IPv6 CIDR
-- is stored as IPv4, so its length loses 96 bits).
CREATE TRIGGER `decisions_prefix_len` AFTER INSERT ON `decisions` WHEN NEW.ip_size > 0
BEGIN
  INSERT OR IGNORE INTO `ip_prefix_lengths` (`ip_size`, `prefix_len`) VALUES (
    NEW.ip_size,
    CASE
      WHEN instr(NEW.value, '/') = 0 THEN NEW.ip_size * 8
      WHEN NEW.ip_size = 4 AND instr(NEW.value, ':') > 0
        THEN CAST(substr(NEW.value, instr(NEW.value, '/') + 1) AS INTEGER) - 96
      ELSE CAST(substr(NEW.value, instr(NEW.value, '/') + 1) AS INTEGER)
    END
  );
END;
--> statement-breakpoint
CREATE TRIGGER `allowlist_items_prefix_len` AFTER INSERT ON `allowlist_items` WHEN NEW.ip_size > 0
BEGIN
  INSERT OR IGNORE INTO `ip_prefix_lengths` (`ip_size`, `prefix_len`) VALUES (
    NEW.ip_size,
    CASE
      WHEN instr(NEW.value, '/') = 0 THEN NEW.ip_size * 8
      WHEN NEW.ip_size = 4 AND instr(NEW.value, ':') > 0
        THEN CAST(substr(NEW.value, instr(NEW.value, '/') + 1) AS INTEGER) - 96
      ELSE CAST(substr(NEW.value, instr(NEW.value, '/') + 1) AS INTEGER)
    END
  );
END;
