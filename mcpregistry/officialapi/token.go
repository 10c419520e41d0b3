package officialapi

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Anonymous registry tokens. The official publisher ("mcp-publisher login
// none") asks POST /v0/auth/none for a short-lived registry JWT and sends it
// as a Bearer token with every write. We issue one only while the sidecar
// runs without authentication, so the token grants nothing an anonymous
// caller could not do anyway; it exists so that the official client's flow
// works unchanged, and so that a write in that mode still proves it went
// through the login step (as on the official registry).
//
// The token is an HS256 JWT: HMAC-SHA256 under a key that by default is
// random per process. A restart therefore invalidates outstanding tokens,
// which costs a client one more login within a five-minute lifetime, and
// leaves no secret for an operator to manage or leak. Several sidecar
// replicas behind one address need a shared key (Options.TokenKey).

// TokenTTL is the lifetime of an anonymous token (the official server's).
const TokenTTL = 5 * time.Minute

// jwtHeader is the only header we issue or accept: comparing it as a whole
// rules out algorithm substitution ("alg":"none" and friends).
var jwtHeader = b64.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

var b64 = base64.RawURLEncoding.Strict()

// TokenResponse is the body of POST /auth/none, the official field names.
type TokenResponse struct {
	RegistryToken string `json:"registry_token"`
	ExpiresAt     int64  `json:"expires_at"`
}

type claims struct {
	AuthMethod string `json:"auth_method"`
	Subject    string `json:"auth_method_sub"`
	Issuer     string `json:"iss"`
	IssuedAt   int64  `json:"iat"`
	NotBefore  int64  `json:"nbf"`
	Expires    int64  `json:"exp"`
}

const tokenIssuer = "mlflow-sidecar"

type signer struct {
	key []byte
	now func() time.Time
}

func newSigner(key []byte, now func() time.Time) (*signer, error) {
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("officialapi: token key: %w", err)
		}
	}
	if len(key) < 32 {
		return nil, fmt.Errorf("officialapi: the token key must be at least 32 bytes, got %d", len(key))
	}
	return &signer{key: key, now: now}, nil
}

func (s *signer) mac(signingInput string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(signingInput))
	return m.Sum(nil)
}

// issue returns a fresh anonymous token.
func (s *signer) issue() (TokenResponse, error) {
	now := s.now()
	c := claims{AuthMethod: "none", Subject: "anonymous", Issuer: tokenIssuer,
		IssuedAt: now.Unix(), NotBefore: now.Unix(), Expires: now.Add(TokenTTL).Unix()}
	payload, err := json.Marshal(c)
	if err != nil {
		return TokenResponse{}, err
	}
	input := jwtHeader + "." + b64.EncodeToString(payload)
	return TokenResponse{RegistryToken: input + "." + b64.EncodeToString(s.mac(input)), ExpiresAt: c.Expires}, nil
}

// verify reports whether tok is a token this signer issued that is valid
// now. The reason is for the log, never for the client.
func (s *signer) verify(tok string) error {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || parts[0] != jwtHeader {
		return fmt.Errorf("not a registry token of this sidecar")
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, s.mac(parts[0]+"."+parts[1])) {
		return fmt.Errorf("bad signature")
	}
	raw, err := b64.DecodeString(parts[1])
	if err != nil {
		return fmt.Errorf("bad payload encoding")
	}
	var c claims
	if err := json.Unmarshal(raw, &c); err != nil {
		return fmt.Errorf("bad payload: %w", err)
	}
	now := s.now().Unix()
	if c.Issuer != tokenIssuer || now < c.NotBefore || now >= c.Expires {
		return fmt.Errorf("expired or not yet valid")
	}
	return nil
}
