-- Keep console_hourly (the console overview's hourly counts, src/db/schema.ts) in step with every
-- write to alerts and decisions, whatever code makes it (the LAPI, the ingestion delivery, flush,
-- cascades), then count what is already stored.
CREATE TRIGGER `alerts_console_hourly_insert` AFTER INSERT ON `alerts`
BEGIN
  INSERT INTO `console_hourly` (`dim`, `hour`, `key`, `label`, `count`) VALUES
    ('alerts', NEW.created_at / 3600000 * 3600000, '', '', 1),
    ('scenario', NEW.created_at / 3600000 * 3600000, NEW.scenario, '', 1),
    ('country', NEW.created_at / 3600000 * 3600000, NEW.source_country, '', 1),
    ('as', NEW.created_at / 3600000 * 3600000, NEW.source_as_number, NEW.source_as_name, 1)
  ON CONFLICT (`dim`, `hour`, `key`) DO UPDATE SET `count` = `count` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `alerts_console_hourly_delete` AFTER DELETE ON `alerts`
BEGIN
  UPDATE `console_hourly` SET `count` = `count` - 1
  WHERE `hour` = OLD.created_at / 3600000 * 3600000 AND (
    (`dim` = 'alerts' AND `key` = '') OR
    (`dim` = 'scenario' AND `key` = OLD.scenario) OR
    (`dim` = 'country' AND `key` = OLD.source_country) OR
    (`dim` = 'as' AND `key` = OLD.source_as_number)
  );
END;
--> statement-breakpoint
CREATE TRIGGER `decisions_console_hourly_insert` AFTER INSERT ON `decisions`
BEGIN
  INSERT INTO `console_hourly` (`dim`, `hour`, `key`, `label`, `count`) VALUES
    ('decisions', NEW.created_at / 3600000 * 3600000, '', '', 1)
  ON CONFLICT (`dim`, `hour`, `key`) DO UPDATE SET `count` = `count` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `decisions_console_hourly_delete` AFTER DELETE ON `decisions`
BEGIN
  UPDATE `console_hourly` SET `count` = `count` - 1
  WHERE `dim` = 'decisions' AND `hour` = OLD.created_at / 3600000 * 3600000 AND `key` = '';
END;
--> statement-breakpoint
INSERT INTO `console_hourly` (`dim`, `hour`, `key`, `label`, `count`)
SELECT 'alerts', created_at / 3600000 * 3600000, '', '', count(*) FROM `alerts` GROUP BY 2
UNION ALL
SELECT 'scenario', created_at / 3600000 * 3600000, scenario, '', count(*) FROM `alerts` GROUP BY 2, 3
UNION ALL
SELECT 'country', created_at / 3600000 * 3600000, source_country, '', count(*) FROM `alerts` GROUP BY 2, 3
UNION ALL
SELECT 'as', created_at / 3600000 * 3600000, source_as_number, max(source_as_name), count(*) FROM `alerts` GROUP BY 2, 3
UNION ALL
SELECT 'decisions', created_at / 3600000 * 3600000, '', '', count(*) FROM `decisions` GROUP BY 2;
