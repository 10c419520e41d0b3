package guard

import (
	"testing"
	"time"
)

func TestCredCache(t *testing.T) {
	k := newKeyer()
	key := func(s string) credKey { return k.key([]string{s}, nil) }
	type op struct {
		do      string // put, get, advance, purge
		name    string
		advance time.Duration
		want    bool // for get: a hit
	}
	cases := []struct {
		name string
		ttl  time.Duration
		max  int
		ops  []op
	}{
		{name: "hit until the TTL", ttl: 30 * time.Second, max: 10, ops: []op{
			{do: "put", name: "a"}, {do: "get", name: "a", want: true},
			{do: "advance", advance: 30*time.Second - time.Nanosecond}, {do: "get", name: "a", want: true},
			{do: "advance", advance: time.Nanosecond}, {do: "get", name: "a", want: false},
		}},
		{name: "a hit does not extend the TTL", ttl: 10 * time.Second, max: 10, ops: []op{
			{do: "put", name: "a"}, {do: "advance", advance: 9 * time.Second}, {do: "get", name: "a", want: true},
			{do: "advance", advance: time.Second}, {do: "get", name: "a", want: false},
		}},
		{name: "put again renews", ttl: 10 * time.Second, max: 10, ops: []op{
			{do: "put", name: "a"}, {do: "advance", advance: 9 * time.Second}, {do: "put", name: "a"},
			{do: "advance", advance: 9 * time.Second}, {do: "get", name: "a", want: true},
		}},
		{name: "least recently used goes first", ttl: time.Minute, max: 2, ops: []op{
			{do: "put", name: "a"}, {do: "put", name: "b"}, {do: "get", name: "a", want: true},
			{do: "put", name: "c"}, {do: "get", name: "b", want: false},
			{do: "get", name: "a", want: true}, {do: "get", name: "c", want: true},
		}},
		{name: "purge", ttl: time.Minute, max: 2, ops: []op{
			{do: "put", name: "a"}, {do: "purge"}, {do: "get", name: "a", want: false},
		}},
		{name: "disabled", ttl: -1, max: 2, ops: []op{
			{do: "put", name: "a"}, {do: "get", name: "a", want: false},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clock := newFakeClock()
			c := newCredCache(tc.ttl, tc.max, clock.Now)
			for i, o := range tc.ops {
				switch o.do {
				case "put":
					c.put(key(o.name), identity{user: o.name, known: true})
				case "advance":
					clock.advance(o.advance)
				case "purge":
					c.purge()
				case "get":
					id, ok := c.get(key(o.name))
					if ok != o.want || ok && id.user != o.name {
						t.Fatalf("op %d: get %s = %v %q, want %v", i, o.name, ok, id.user, o.want)
					}
				}
				if c.len() > tc.max {
					t.Fatalf("op %d: %d entries over the bound %d", i, c.len(), tc.max)
				}
			}
		})
	}
}

func TestCredKey(t *testing.T) {
	k := newKeyer()
	distinct := [][2][]string{
		{{"Basic YTpi"}, nil},
		{nil, {"Basic YTpi"}}, // the same text as a cookie is another credential
		{{"Basic YTpi", ""}, nil},
		{{"Basic YTp", "i"}, nil}, // no ambiguity from concatenation
		{{"Basic YTpi"}, {"s=1"}},
		{{"Basic YTpi"}, {"s=2"}},
	}
	seen := map[credKey]int{}
	for i, d := range distinct {
		key := k.key(d[0], d[1])
		if j, dup := seen[key]; dup {
			t.Fatalf("credentials %d and %d share a key", j, i)
		}
		seen[key] = i
		if key != k.key(d[0], d[1]) {
			t.Fatalf("credentials %d: key not stable", i)
		}
	}
	if newKeyer().key([]string{"Basic YTpi"}, nil) == k.key([]string{"Basic YTpi"}, nil) {
		t.Fatal("two processes derive the same key: the hash is not keyed")
	}
}
