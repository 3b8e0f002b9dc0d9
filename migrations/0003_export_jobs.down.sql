DROP TABLE IF EXISTS export_jobs;
