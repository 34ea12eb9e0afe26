-- The tables of a schema-1 database (dask-bench 0.1.0), to test migrations.
CREATE TABLE meta (
	"key" VARCHAR(64) NOT NULL,
	value TEXT NOT NULL,
	PRIMARY KEY ("key")
);
CREATE TABLE runs (
	id INTEGER NOT NULL,
	name VARCHAR(200) NOT NULL,
	status VARCHAR(16) NOT NULL,
	mode VARCHAR(16) NOT NULL,
	backend VARCHAR(64) NOT NULL,
	layout JSON NOT NULL,
	started_at DATETIME NOT NULL,
	finished_at DATETIME,
	study JSON NOT NULL,
	environment JSON NOT NULL,
	dask_bench_version VARCHAR(32) NOT NULL,
	message TEXT,
	PRIMARY KEY (id)
);
CREATE INDEX ix_runs_name ON runs (name);
CREATE TABLE points (
	id INTEGER NOT NULL,
	run_id INTEGER NOT NULL,
	suite VARCHAR(32) NOT NULL,
	workload VARCHAR(64) NOT NULL,
	workload_version INTEGER NOT NULL,
	workers INTEGER NOT NULL,
	threads_per_worker INTEGER NOT NULL,
	memory_per_worker INTEGER NOT NULL,
	units INTEGER NOT NULL,
	chunks INTEGER NOT NULL,
	chunk_size INTEGER NOT NULL,
	options JSON NOT NULL,
	nbytes INTEGER,
	ntasks INTEGER,
	status VARCHAR(16) NOT NULL,
	stopped_by VARCHAR(16),
	error TEXT,
	started_at DATETIME NOT NULL,
	finished_at DATETIME,
	PRIMARY KEY (id),
	FOREIGN KEY(run_id) REFERENCES runs (id)
);
CREATE INDEX ix_points_run_id ON points (run_id);
CREATE TABLE scale_events (
	id INTEGER NOT NULL,
	run_id INTEGER NOT NULL,
	requested INTEGER NOT NULL,
	previous INTEGER NOT NULL,
	time_to_first FLOAT,
	time_to_all FLOAT,
	ok BOOLEAN NOT NULL,
	error TEXT,
	at DATETIME NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(run_id) REFERENCES runs (id)
);
CREATE INDEX ix_scale_events_run_id ON scale_events (run_id);
CREATE TABLE measurements (
	id INTEGER NOT NULL,
	point_id INTEGER NOT NULL,
	repetition INTEGER NOT NULL,
	warmup BOOLEAN NOT NULL,
	seconds FLOAT,
	ok BOOLEAN NOT NULL,
	error TEXT,
	started_at DATETIME NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(point_id) REFERENCES points (id)
);
CREATE INDEX ix_measurements_point_id ON measurements (point_id);
