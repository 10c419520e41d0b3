package client

import (
	"fmt"
	"iter"
)

// paginate turns a page fetcher into an iterator over items. A server that
// hands back a token it already gave would loop forever; that is an error.
func paginate[T any](first string, fetch func(token string) ([]T, *string, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		token := first
		seen := map[string]bool{}
		for {
			items, next, err := fetch(token)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if next == nil || *next == "" {
				return
			}
			if seen[*next] || *next == first {
				yield(zero, fmt.Errorf("the server returned page token %q twice; stopping", *next))
				return
			}
			seen[*next] = true
			token = *next
		}
	}
}
