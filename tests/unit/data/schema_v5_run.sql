BEGIN TRANSACTION;
CREATE TABLE breakdowns (
	id INTEGER NOT NULL, 
	point_id INTEGER NOT NULL, 
	category VARCHAR(32) NOT NULL, 
	seconds FLOAT NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(point_id) REFERENCES points (id)
);
INSERT INTO "breakdowns" VALUES(1,1,'compute-cpu',1.14614500000000520216e-04);
INSERT INTO "breakdowns" VALUES(2,1,'compute-other',2.1041100488708493893e-02);
INSERT INTO "breakdowns" VALUES(3,1,'transfer',0.0);
INSERT INTO "breakdowns" VALUES(4,1,'shuffle',0.0);
INSERT INTO "breakdowns" VALUES(5,1,'serialization',9.77529999772741575725e-05);
INSERT INTO "breakdowns" VALUES(6,1,'spill',0.0);
INSERT INTO "breakdowns" VALUES(7,1,'overhead',2.52881576139429853355e-03);
INSERT INTO "breakdowns" VALUES(8,1,'idle',1.31830504844288043386e-03);
INSERT INTO "breakdowns" VALUES(9,2,'compute-cpu',2.20638499999999950981e-04);
INSERT INTO "breakdowns" VALUES(10,2,'compute-other',3.38095440124511767768e-04);
INSERT INTO "breakdowns" VALUES(11,2,'transfer',0.0);
INSERT INTO "breakdowns" VALUES(12,2,'shuffle',0.0);
INSERT INTO "breakdowns" VALUES(13,2,'serialization',4.80290000268723815679e-05);
INSERT INTO "breakdowns" VALUES(14,2,'spill',0.0);
INSERT INTO "breakdowns" VALUES(15,2,'overhead',1.27176855598634119814e-02);
INSERT INTO "breakdowns" VALUES(16,2,'idle',1.652859744038437384e-02);
INSERT INTO "breakdowns" VALUES(17,3,'compute-cpu',7.95480749999999273494e-04);
INSERT INTO "breakdowns" VALUES(18,3,'compute-other',4.16185288210754456006e-02);
INSERT INTO "breakdowns" VALUES(19,3,'transfer',0.0);
INSERT INTO "breakdowns" VALUES(20,3,'shuffle',0.0);
INSERT INTO "breakdowns" VALUES(21,3,'serialization',1.88902999866513710003e-04);
INSERT INTO "breakdowns" VALUES(22,3,'spill',0.0);
INSERT INTO "breakdowns" VALUES(23,3,'overhead',6.54832292894980128039e-03);
INSERT INTO "breakdowns" VALUES(24,3,'idle',1.06626215786604847113e-02);
INSERT INTO "breakdowns" VALUES(25,4,'compute-cpu',6.53353750000001736938e-04);
INSERT INTO "breakdowns" VALUES(26,4,'compute-other',7.45507658233640841186e-04);
INSERT INTO "breakdowns" VALUES(27,4,'transfer',3.03550240003005455946e-02);
INSERT INTO "breakdowns" VALUES(28,4,'shuffle',0.0);
INSERT INTO "breakdowns" VALUES(29,4,'serialization',7.83004000140863354317e-04);
INSERT INTO "breakdowns" VALUES(30,4,'spill',0.0);
INSERT INTO "breakdowns" VALUES(31,4,'overhead',8.76444033416419188142e-02);
INSERT INTO "breakdowns" VALUES(32,4,'idle',4.41808994036136937211e-02);
CREATE TABLE measurements (
	id INTEGER NOT NULL, 
	point_id INTEGER NOT NULL, 
	repetition INTEGER NOT NULL, 
	warmup BOOLEAN NOT NULL, 
	seconds FLOAT, 
	ok BOOLEAN NOT NULL, 
	error TEXT, 
	started_at DATETIME NOT NULL, 
	disturbed BOOLEAN NOT NULL, 
	disturbance TEXT, 
	PRIMARY KEY (id), 
	FOREIGN KEY(point_id) REFERENCES points (id)
);
INSERT INTO "measurements" VALUES(1,1,0,1,1.95692685400001664675e+00,1,NULL,'2026-12-07 02:33:16.562945',0,NULL);
INSERT INTO "measurements" VALUES(2,1,0,0,4.94883709999385246192e-02,1,NULL,'2026-12-07 02:33:18.522987',0,NULL);
INSERT INTO "measurements" VALUES(3,2,0,1,4.59345729999540708377e-02,1,NULL,'2026-12-07 02:33:18.593240',0,NULL);
INSERT INTO "measurements" VALUES(4,2,0,0,5.85953089999975418322e-02,1,NULL,'2026-12-07 02:33:18.640754',0,NULL);
INSERT INTO "measurements" VALUES(5,1,1,0,3.36485359999869615421e-02,1,NULL,'2026-12-07 02:33:18.704464',0,NULL);
INSERT INTO "measurements" VALUES(6,2,1,0,4.13726230000293071498e-02,1,NULL,'2026-12-07 02:33:19.631937',0,NULL);
INSERT INTO "measurements" VALUES(7,1,2,0,3.51346410000132891582e-02,1,NULL,'2026-12-07 02:33:19.689960',0,NULL);
INSERT INTO "measurements" VALUES(8,2,2,0,4.81854060000159734045e-02,1,NULL,'2026-12-07 02:33:19.729746',0,NULL);
INSERT INTO "measurements" VALUES(9,1,3,0,3.53142870000056063872e-02,1,NULL,'2026-12-07 02:33:19.781541',0,NULL);
INSERT INTO "measurements" VALUES(10,2,3,0,4.67421210000793507788e-02,1,NULL,'2026-12-07 02:33:19.820020',0,NULL);
INSERT INTO "measurements" VALUES(11,3,0,1,2.68465423199995711911e+00,1,NULL,'2026-12-07 02:33:20.887952',0,NULL);
INSERT INTO "measurements" VALUES(12,3,0,0,4.48602060000666824635e-02,1,NULL,'2026-12-07 02:33:23.576281',0,NULL);
INSERT INTO "measurements" VALUES(13,4,0,1,2.30580859000042437401e-01,1,NULL,'2026-12-07 02:33:23.629655',0,NULL);
INSERT INTO "measurements" VALUES(14,4,0,0,1.10950634000005265988e-01,1,NULL,'2026-12-07 02:33:23.863918',0,NULL);
INSERT INTO "measurements" VALUES(15,3,1,0,4.11193490000414385576e-02,1,NULL,'2026-12-07 02:33:23.984096',0,NULL);
INSERT INTO "measurements" VALUES(16,4,1,0,6.13187960000232124002e-02,1,NULL,'2026-12-07 02:33:25.347764',0,NULL);
INSERT INTO "measurements" VALUES(17,3,2,0,4.58886870000014823745e-02,1,NULL,'2026-12-07 02:33:25.429243',0,NULL);
INSERT INTO "measurements" VALUES(18,4,2,0,0.0973266280000189,1,NULL,'2026-12-07 02:33:25.483944',0,NULL);
INSERT INTO "measurements" VALUES(19,3,3,0,3.94699489999084107694e-02,1,NULL,'2026-12-07 02:33:25.583596',0,NULL);
INSERT INTO "measurements" VALUES(20,4,3,0,1.29091144999961215944e-01,1,NULL,'2026-12-07 02:33:25.628599',0,NULL);
CREATE TABLE meta (
	"key" VARCHAR(64) NOT NULL, 
	value TEXT NOT NULL, 
	PRIMARY KEY ("key")
);
INSERT INTO "meta" VALUES('schema_version','5');
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
	tasks_per_second FLOAT, 
	scheduler_tasks FLOAT, 
	submit_seconds FLOAT, 
	memory_peak FLOAT, 
	memory_mean FLOAT, 
	metrics_complete BOOLEAN, 
	metrics_note TEXT, 
	performance_report TEXT, 
	notes JSON, 
	PRIMARY KEY (id), 
	FOREIGN KEY(run_id) REFERENCES runs (id)
);
INSERT INTO "points" VALUES(1,1,'tasks','map-sleep',1,1,1,536870912,1,2,4,'{"sleep_seconds": 0.01}',0,2,'ok','max_repeats',NULL,'2026-12-07 02:33:16.559771','2026-12-07 02:33:19.893618',8.02313498644308822384e+01,2.0,5.07628917694091796875e-03,226521088.0,1.89846674285714298487e+08,1,NULL,NULL,'["a repetition lasts 49 ms, under min_repetition_seconds 0.1 s: timings are dominated by overhead; raise suites.tasks.per_unit or chunk_size, or leave them at their defaults to calibrate", "timings still falling after 1 warm-ups (max_warmup)"]');
INSERT INTO "points" VALUES(2,1,'tasks','tree-reduce',1,1,1,536870912,1,2,4,'{}',0,15,'ok','max_repeats',NULL,'2026-12-07 02:33:18.588031','2026-12-07 02:33:19.896463',5.03098251352854333598e+02,15.0,9.8018646240234375e-03,226521088.0,208629760.0,1,NULL,NULL,'["a repetition lasts 59 ms, under min_repetition_seconds 0.1 s: timings are dominated by overhead; raise suites.tasks.per_unit or chunk_size, or leave them at their defaults to calibrate"]');
INSERT INTO "points" VALUES(3,1,'tasks','map-sleep',1,2,1,536870912,2,4,4,'{"sleep_seconds": 0.01}',0,4,'ok','max_repeats',NULL,'2026-12-07 02:33:20.886746','2026-12-07 02:33:25.821098',1.34671821418306478788e+02,4.0,4.19646501541137695312e-03,453804032.0,4.21493613714285731298e+08,1,NULL,NULL,'["a repetition lasts 45 ms, under min_repetition_seconds 0.1 s: timings are dominated by overhead; raise suites.tasks.per_unit or chunk_size, or leave them at their defaults to calibrate", "timings still falling after 1 warm-ups (max_warmup)"]');
INSERT INTO "points" VALUES(4,1,'tasks','tree-reduce',1,2,1,536870912,2,4,4,'{}',0,31,'ok','max_repeats',NULL,'2026-12-07 02:33:23.626421','2026-12-07 02:33:25.842144',4.05638099142078033297e+02,31.0,9.28974151611328125e-03,454017024.0,4.39794801777777791002e+08,1,NULL,NULL,'["timings still falling after 1 warm-ups (max_warmup)"]');
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
	study_id VARCHAR(32), 
	variant VARCHAR(64), 
	PRIMARY KEY (id)
);
INSERT INTO "runs" VALUES(1,'before-schema-6','complete','weak','local','{"threads_per_worker": 1, "memory_per_worker": 536870912}','2026-12-07 02:33:14.533941','2026-12-07 02:33:27.593755','{"name": "before-schema-6", "mode": "weak", "deployment": {"backend": "local", "workers": [1, 2], "threads_per_worker": 1, "memory_per_worker": "512MiB", "cores_per_node": null, "startup_timeout": 120.0, "options": {}, "allow_version_mismatch": false}, "suites": {"tasks": {"workloads": ["map-sleep", "tree-reduce"], "chunk_size": 4, "per_unit": 2, "total": null, "options": {"sleep_seconds": 0.01}}, "arrays": null, "dataframes": null}, "measurement": {"warmup": 1, "max_warmup": 1, "warmup_tolerance": 0.1, "min_repeats": 3, "max_repeats": 4, "target_ci": 0.05, "confidence": 0.95, "min_repetition_seconds": 0.1, "point_budget": 1.0, "time_budget": null, "interleave": true, "max_disturbed": 3, "repetition_timeout": 300.0, "seed": 42, "breakdown": true, "hardware_baseline": false, "performance_report": null}, "database": "/tmp/old5run/old.db", "report": false, "references": {}, "security": {"tls": false}, "variants": {}, "variant": null}','{"host": {"hostname": "vm", "cpu_model": "AMD EPYC", "cores": 2, "physical_cores": 2, "memory_bytes": 25276194816, "os": "Linux-6.18.44-fc-v1272-x86_64-with-glibc2.36", "python": "3.11.7"}, "deployment": {"backend": "local", "options": {}, "layout": {"threads_per_worker": 1, "memory_per_worker": 536870912}, "processes": true}, "dask_bench": "0.1.0", "process": {"host": "vm", "pid": 6254, "open_files": {"before": 20000, "after": 20000, "hard": 20000}}, "security": {"tls": "off", "scheduler_address": "tcp://127.0.0.1:33973", "worker_schemes": ["tcp"], "dashboard": ["127.0.0.1:44137"]}, "layout_enforced": {"threads_per_worker": [1], "memory_per_worker": [536870912]}, "versions": {"client": {"python": "3.11.7.final.0", "dask": "2026.8.0", "distributed": "2026.8.0", "numpy": "2.4.6", "pandas": "3.1.1", "pyarrow": "26.0.1", "cloudpickle": "3.1.3", "msgpack": "1.2.4", "toolz": "1.2.0", "tornado": "6.6.1", "dask_bench": "0.1.0"}, "scheduler": {"python": "3.11.7.final.0", "dask": "2026.8.0", "distributed": "2026.8.0", "numpy": "2.4.6", "pandas": "3.1.1", "pyarrow": "26.0.1", "cloudpickle": "3.1.3", "msgpack": "1.2.4", "toolz": "1.2.0", "tornado": "6.6.1", "dask_bench": "0.1.0"}, "workers": {"tcp://127.0.0.1:37993": {"python": "3.11.7.final.0", "dask": "2026.8.0", "distributed": "2026.8.0", "numpy": "2.4.6", "pandas": "3.1.1", "pyarrow": "26.0.1", "cloudpickle": "3.1.3", "msgpack": "1.2.4", "toolz": "1.2.0", "tornado": "6.6.1", "dask_bench": "0.1.0"}, "tcp://127.0.0.1:45319": {"python": "3.11.7.final.0", "dask": "2026.8.0", "distributed": "2026.8.0", "numpy": "2.4.6", "pandas": "3.1.1", "pyarrow": "26.0.1", "cloudpickle": "3.1.3", "msgpack": "1.2.4", "toolz": "1.2.0", "tornado": "6.6.1", "dask_bench": "0.1.0"}}}, "version_mismatches": [], "measuring": {"calibration": {}, "breakdown_seconds": 2.315}}','0.1.0',NULL,'da4546f68e63',NULL);
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
	queue_seconds FLOAT, 
	details JSON, 
	PRIMARY KEY (id), 
	FOREIGN KEY(run_id) REFERENCES runs (id)
);
INSERT INTO "scale_events" VALUES(1,1,1,0,9.35006532999977935105e-01,9.35006532999977935105e-01,1,NULL,'2026-12-07 02:33:16.524575',NULL,NULL);
INSERT INTO "scale_events" VALUES(2,1,2,1,9.61159040999973512953e-01,9.61159040999973512953e-01,1,NULL,'2026-12-07 02:33:20.859112',NULL,NULL);
CREATE INDEX ix_runs_study_id ON runs (study_id);
CREATE INDEX ix_runs_name ON runs (name);
CREATE INDEX ix_points_run_id ON points (run_id);
CREATE INDEX ix_scale_events_run_id ON scale_events (run_id);
CREATE INDEX ix_measurements_point_id ON measurements (point_id);
CREATE INDEX ix_breakdowns_point_id ON breakdowns (point_id);
COMMIT;