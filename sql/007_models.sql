-- 007_models.sql: the win-probability models retrained from labelled signals
-- (cron/retrain, common/model_train.h) and the prediction each signal was
-- given when it was stored (common/model.h). Applied as the owner role; the
-- owner's default privileges give the app role DML on the new tables.
--
-- Labels live in signals (005): realised_return, outcome, labelled_at, set
-- once by cron/label-signals. The features are computed from
-- signals.indicators, close, score, strategy and recommendation (feature set
-- 1 in common/model.h), so signals need no further columns.

-- One row per trained model, numbered from 1. A model is trained on the
-- labelled signals in time order (day, id): the oldest rows train it, the
-- newest holdout_rows evaluate it. The coefficients act on features
-- standardised with means and stds (arrays aligned with features); the
-- numbers are written as their shortest exact decimals, so reading them back
-- gives the trained doubles bit for bit. data_hash (SHA-256 of the feature
-- set, hyperparameters, row ids, labels and feature values) makes retraining
-- on the same data store nothing. The current model is the promoted one with
-- the highest version; baseline_* record the model it was compared with and
-- that model's metrics on this model's holdout.
CREATE TABLE models (
	version           integer PRIMARY KEY CHECK (version >= 1),
	feature_set       integer NOT NULL CHECK (feature_set >= 1),
	features          json NOT NULL CHECK (json_typeof(features) = 'array'),
	coefficients      json NOT NULL CHECK (json_typeof(coefficients) = 'object'),
	means             json NOT NULL CHECK (json_typeof(means) = 'array'),
	stds              json NOT NULL CHECK (json_typeof(stds) = 'array'),
	lambda            double precision NOT NULL CHECK (lambda >= 0),
	holdout_fraction  double precision NOT NULL
	                  CHECK (holdout_fraction >= 0 AND holdout_fraction < 1),
	training_rows     integer NOT NULL CHECK (training_rows >= 1),
	training_wins     integer NOT NULL CHECK (training_wins BETWEEN 0 AND training_rows),
	holdout_rows      integer NOT NULL CHECK (holdout_rows >= 0),
	holdout_wins      integer NOT NULL CHECK (holdout_wins BETWEEN 0 AND holdout_rows),
	auc               double precision CHECK (auc BETWEEN 0 AND 1),   -- NULL: one class
	accuracy          double precision CHECK (accuracy BETWEEN 0 AND 1),  -- NULL: no holdout
	log_loss          double precision CHECK (log_loss >= 0),
	iterations        integer NOT NULL CHECK (iterations >= 1),
	converged         boolean NOT NULL,
	first_day         date NOT NULL,        -- the oldest signal trained on
	holdout_day       date,                 -- the oldest signal held out
	last_day          date NOT NULL,        -- the newest signal used
	data_hash         text NOT NULL UNIQUE CHECK (data_hash ~ '^[0-9a-f]{64}$'),
	promoted          boolean NOT NULL,
	baseline_version  integer REFERENCES models (version) ON DELETE SET NULL,
	baseline_auc      double precision,
	baseline_log_loss double precision,
	decision          text NOT NULL CHECK (length(decision) BETWEEN 1 AND 300),
	trained_at        timestamptz NOT NULL DEFAULT now(),
	CHECK (first_day <= last_day),
	CHECK ((holdout_rows = 0) = (accuracy IS NULL)),
	CHECK ((holdout_rows = 0) = (log_loss IS NULL))
);
-- the current model: the newest promoted one
CREATE INDEX models_promoted_idx ON models (version DESC) WHERE promoted;

-- The current model's win probability for a signal, written once when the
-- signal is stored (model_record_signal); none when no model was promoted.
CREATE TABLE signal_predictions (
	signal_id       bigint PRIMARY KEY REFERENCES signals (id) ON DELETE CASCADE,
	model_version   integer NOT NULL REFERENCES models (version) ON DELETE CASCADE,
	win_probability double precision NOT NULL CHECK (win_probability BETWEEN 0 AND 1),
	predicted_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX signal_predictions_model_idx ON signal_predictions (model_version);
