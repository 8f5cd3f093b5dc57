-- The seed of each evaluation attempt: the value a MiniWoB++ page's random generator was seeded with, derived from
-- the evaluation's base seed, the task and the attempt number. NULL for attempts stored before seeds were recorded.
ALTER TABLE task_results ADD COLUMN seed INTEGER CHECK (seed IS NULL OR (seed >= 0 AND seed < 4294967296));
