package guard

import (
	"container/list"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"sync"
	"time"
)

// credKey names one set of credentials in the cache without holding them:
// an HMAC-SHA256 of the Authorization and Cookie values under a key drawn at
// start. A plain hash of a Basic credential could be reversed by trying
// passwords against a memory dump; without the process key it cannot.
type credKey [sha256.Size]byte

type keyer struct{ secret [32]byte }

func newKeyer() *keyer {
	k := &keyer{}
	_, _ = rand.Read(k.secret[:]) // crypto/rand.Read never fails on supported platforms
	return k
}

// key hashes every value of both headers, each tagged and length-prefixed so
// that no two different header sets hash alike.
func (k *keyer) key(authorization, cookies []string) credKey {
	mac := hmac.New(sha256.New, k.secret[:])
	writeValues(mac, 'A', authorization)
	writeValues(mac, 'C', cookies)
	var out credKey
	mac.Sum(out[:0])
	return out
}

func writeValues(h hash.Hash, tag byte, values []string) {
	var n [9]byte
	for _, v := range values {
		n[0] = tag
		binary.BigEndian.PutUint64(n[1:], uint64(len(v)))
		h.Write(n[:])
		h.Write([]byte(v))
	}
}

// identity is who MLflow said the credentials belong to. known is false
// when MLflow accepted them without naming the user (see verifier).
type identity struct {
	user  string
	known bool
}

func (id identity) ptr() *string {
	if !id.known {
		return nil
	}
	u := id.user // a fresh pointer per request: handlers must not share one
	return &u
}

// credCache holds positive answers only, for ttl, at most max of them,
// dropping the least recently used first.
type credCache struct {
	ttl time.Duration
	max int
	now func() time.Time

	mu      sync.Mutex
	order   *list.List // front: most recently used
	entries map[credKey]*list.Element
}

type cacheEntry struct {
	key     credKey
	id      identity
	expires time.Time
}

func newCredCache(ttl time.Duration, max int, now func() time.Time) *credCache {
	return &credCache{ttl: ttl, max: max, now: now, order: list.New(), entries: map[credKey]*list.Element{}}
}

func (c *credCache) get(k credKey) (identity, bool) {
	if c.ttl <= 0 {
		return identity{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[k]
	if !ok {
		return identity{}, false
	}
	e := el.Value.(*cacheEntry)
	if !c.now().Before(e.expires) {
		c.order.Remove(el)
		delete(c.entries, k)
		return identity{}, false
	}
	c.order.MoveToFront(el)
	return e.id, true
}

func (c *credCache) put(k credKey, id identity) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	expires := c.now().Add(c.ttl)
	if el, ok := c.entries[k]; ok {
		e := el.Value.(*cacheEntry)
		e.id, e.expires = id, expires
		c.order.MoveToFront(el)
		return
	}
	c.entries[k] = c.order.PushFront(&cacheEntry{key: k, id: id, expires: expires})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.entries, last.Value.(*cacheEntry).key)
	}
}

// purge forgets everything (MLflow's authentication setup changed).
func (c *credCache) purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.order.Init()
	clear(c.entries)
}

func (c *credCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
