-- Change tracking for the per-isolate decision cache (src/lapi/decision-cache.ts): any change of a
-- decision's matching fields bumps updated_at, and hard deletions leave a tombstone. Triggers make
-- this hold for every writer.
CREATE TRIGGER `decisions_touch` AFTER UPDATE OF `until`, `type`, `scope`, `value`, `origin`, `scenario`, `simulated` ON `decisions`
BEGIN
  UPDATE `decisions` SET `updated_at` = CAST(unixepoch('subsec') * 1000 AS INTEGER) WHERE `id` = NEW.id;
END;
--> statement-breakpoint
CREATE TRIGGER `decisions_tombstone` AFTER DELETE ON `decisions`
BEGIN
  INSERT INTO `decision_tombstones` (`decision_id`) VALUES (OLD.id);
END;
