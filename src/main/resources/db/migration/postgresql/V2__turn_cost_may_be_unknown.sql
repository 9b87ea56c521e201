-- A turn's cost is unknown (NULL) when its model has no prices (issue 12: honest costs): never 0,
-- never another model's price. The session total (sessions.cost_usd) stays NOT NULL: it adds the
-- costs that are known.
ALTER TABLE turns ALTER COLUMN cost_usd DROP NOT NULL;
