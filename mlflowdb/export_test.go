package mlflowdb

// SetRetryHook lets external tests observe (and act on) each retry, so that
// retry tests can release a lock at the right moment instead of sleeping.
func SetRetryHook(db *DB, f func(attempt int, err error)) { db.onRetry = f }
