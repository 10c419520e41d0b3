//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package migrations

import (
	"context"
	"fmt"
	"runtime"
)

// lockFile is not implemented where flock is missing: running migrations on
// SQLite without a cross-process lock could let two sidecars race.
func lockFile(context.Context, string) (func() error, error) {
	return nil, fmt.Errorf("migrations: SQLite migrations need flock, which %s lacks", runtime.GOOS)
}
