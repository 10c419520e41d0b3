package client

import (
	"errors"
	"net"
	"net/http"
)

// retryable decides whether a failed attempt may be repeated; the package
// documentation explains the policy.
func retryable(method string, err error) bool {
	var te *TransportError
	isTransport := errors.As(err, &te)
	switch method {
	case http.MethodGet, http.MethodHead:
		if isTransport {
			return true
		}
		var e *Error
		if errors.As(err, &e) {
			switch e.StatusCode {
			case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
				return true
			}
		}
		return false
	case http.MethodDelete:
		return isTransport && neverSent(te.Err)
	}
	return false
}

// neverSent reports failures that happen before a request is written: the
// connection could not be opened, or the host could not be resolved.
func neverSent(err error) bool {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
