//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package migrations

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"syscall"
	"time"
)

// lockFile takes an exclusive flock on path (creating it), polling so that
// ctx can end the wait. The file is left in place afterwards: removing a lock
// file races with the next process that opens it.
func lockFile(ctx context.Context, path string) (func() error, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("migrations: lock file: %w", err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("migrations: locking %s: %w", path, err)
		}
		t := time.NewTimer(20*time.Millisecond + rand.N(30*time.Millisecond))
		select {
		case <-ctx.Done():
			t.Stop()
			f.Close()
			return nil, fmt.Errorf("migrations: waiting for %s: %w", path, ctx.Err())
		case <-t.C:
		}
	}
	return func() error {
		return errors.Join(syscall.Flock(int(f.Fd()), syscall.LOCK_UN), f.Close())
	}, nil
}
