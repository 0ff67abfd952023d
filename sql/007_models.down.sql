-- 007_models.down.sql: drop the signals' predictions and the models.
DROP TABLE IF EXISTS signal_predictions, models;
