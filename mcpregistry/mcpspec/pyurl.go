package mcpspec

import (
	"net/netip"
	"regexp"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// pyURL is the part of Python's urllib.parse.urlsplit result that MLflow's
// icon URL check reads. Go's net/url disagrees with urlsplit on enough inputs
// (scheme case, leading control characters, bracket rules, what counts as a
// user name) that the check would accept or reject different URLs, so the
// splitting is replicated here.
type pyURL struct {
	scheme string
	netloc string
}

const schemeChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-."

// pyURLSplit follows urlsplit (CPython ≥ 3.12.9 / 3.13.2, which reject
// text around a bracketed host, CVE-2025-0938): strip leading C0 controls
// and spaces, drop tab/CR/LF anywhere, lower-case a syntactically valid
// scheme, take the netloc after "//", and raise the same ValueErrors
// (returned here as their message) for malformed brackets and for netlocs
// that change meaning under NFKC normalisation.
func pyURLSplit(raw string) (pyURL, error) {
	s := strings.TrimLeftFunc(raw, func(r rune) bool { return r <= ' ' })
	s = strings.NewReplacer("\t", "", "\r", "", "\n", "").Replace(s)
	var u pyURL
	if i := strings.IndexByte(s, ':'); i > 0 && isASCIILetter(s[0]) {
		valid := true
		for j := 0; j < i; j++ {
			if strings.IndexByte(schemeChars, s[j]) < 0 {
				valid = false
				break
			}
		}
		if valid {
			u.scheme, s = strings.ToLower(s[:i]), s[i+1:]
		}
	}
	if strings.HasPrefix(s, "//") {
		rest := s[2:]
		end := len(rest)
		if i := strings.IndexAny(rest, "/?#"); i >= 0 {
			end = i
		}
		u.netloc = rest[:end]
		open, closed := strings.Contains(u.netloc, "["), strings.Contains(u.netloc, "]")
		if open != closed {
			return pyURL{}, valueError("Invalid IPv6 URL")
		}
		if open {
			if err := checkBracketedNetloc(u.netloc); err != nil {
				return pyURL{}, err
			}
		}
	}
	if err := checkNetlocNFKC(u.netloc); err != nil {
		return pyURL{}, err
	}
	return u, nil
}

func isASCIILetter(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }

// pyValueError carries a Python ValueError message; MLflow shows it with
// repr(e), i.e. ValueError('...').
type pyValueError struct{ msg string }

func (e *pyValueError) Error() string { return e.msg }

func valueError(msg string) error { return &pyValueError{msg: msg} }

func (e *pyValueError) repr() string { return "ValueError(" + pyRepr(e.msg) + ")" }

var ipvFuture = regexp.MustCompile(`\Av[a-fA-F0-9]+\..+\z`)

func checkBracketedNetloc(netloc string) error {
	hostport := netloc[strings.LastIndexByte(netloc, '@')+1:]
	var host string
	if before, bracketed, ok := strings.Cut(hostport, "["); ok {
		if before != "" {
			return valueError("Invalid IPv6 URL")
		}
		var port string
		host, port, _ = strings.Cut(bracketed, "]")
		if port != "" && !strings.HasPrefix(port, ":") {
			return valueError("Invalid IPv6 URL")
		}
	} else {
		host, _, _ = strings.Cut(hostport, ":")
	}
	if strings.HasPrefix(host, "v") {
		if !ipvFuture.MatchString(host) {
			return valueError("IPvFuture address is invalid")
		}
		return nil
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return valueError(pyRepr(host) + " does not appear to be an IPv4 or IPv6 address")
	}
	if addr.Is4() {
		return valueError("An IPv4 address cannot be in brackets")
	}
	return nil
}

// checkNetlocNFKC rejects netlocs with characters (such as U+2100 "℀")
// that NFKC normalisation, which IDNA applies, turns into URL delimiters.
func checkNetlocNFKC(netloc string) error {
	ascii := true
	for i := 0; i < len(netloc); i++ {
		if netloc[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return nil
	}
	n := strings.NewReplacer("@", "", ":", "", "#", "", "?", "").Replace(netloc)
	normalised := norm.NFKC.String(n)
	if n == normalised {
		return nil
	}
	if strings.ContainsAny(normalised, "/?#@:") {
		return valueError("netloc " + pyRepr(netloc) + " contains invalid characters under NFKC normalization")
	}
	return nil
}

// userinfo is urlsplit's username and password; ok is false when the
// netloc has no "@".
func (u pyURL) userinfo() (user, password string) {
	info, _, found := cutLast(u.netloc, "@")
	if !found {
		return "", ""
	}
	user, password, _ = strings.Cut(info, ":")
	return user, password
}

func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return "", s, false
}

// hostname is urlsplit's .hostname: the host without port or brackets,
// lower-cased except for an IPv6 zone; "" when there is none.
func (u pyURL) hostname() string {
	_, hostinfo, _ := cutLast(u.netloc, "@")
	var host string
	if _, bracketed, ok := strings.Cut(hostinfo, "["); ok {
		host, _, _ = strings.Cut(bracketed, "]")
	} else {
		host, _, _ = strings.Cut(hostinfo, ":")
	}
	if host == "" {
		return ""
	}
	addr, zone, hasZone := strings.Cut(host, "%")
	if hasZone {
		return pyLower(addr) + "%" + zone
	}
	return pyLower(host)
}
