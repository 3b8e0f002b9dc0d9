package server

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/web"
)

// loginLimit rejects logins for a login after 5 failures within 15
// minutes, and from a client address after 30, whether or not the
// password of the rejected attempt is right.
var loginLimit = store.LoginLimit{PerLogin: 5, PerAddress: 30, Window: 15 * time.Minute}

// loginLockedError rejects a login attempt because of recent failures.
type loginLockedError struct {
	wait time.Duration // until an attempt may go ahead
}

func (e *loginLockedError) Error() string {
	return "Too many failed logins; try again in " + describeWait(e.wait) + "."
}

// retryAfter returns the wait in whole seconds, rounded up, for the
// Retry-After header.
func (e *loginLockedError) retryAfter() int {
	return max(int(math.Ceil(e.wait.Seconds())), 1)
}

// describeWait returns d rounded up to whole minutes, or to seconds under
// a minute, in words.
func describeWait(d time.Duration) string {
	if d < time.Minute {
		n := max(int(math.Ceil(d.Seconds())), 1)
		return plural(n, "second")
	}
	return plural(int(math.Ceil(d.Minutes())), "minute")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// checkLoginLimit returns a *loginLockedError when login, or the client
// address of r, has too many recent failed logins. Call it before
// checking the password, so a locked login costs no password hash.
func (s *Server) checkLoginLimit(r *http.Request, login string) error {
	wait, err := s.db.LoginLockedFor(r.Context(), login, clientAddress(r), loginLimit)
	if err != nil {
		return err
	}
	if wait > 0 {
		return &loginLockedError{wait: wait}
	}
	return nil
}

// recordLoginFailure counts a failed login for login from the client
// address of r. A failure to record it is logged, not returned, so the
// user still gets the response to their attempt.
func (s *Server) recordLoginFailure(r *http.Request, login string) {
	if err := s.db.RecordLoginFailure(r.Context(), login, clientAddress(r)); err != nil {
		s.log.Error("record failed login", "error", err)
	}
}

// rejectLockedLogin writes a 429 response with a Retry-After header when
// err is a *loginLockedError, and reports whether it did. The body is JSON
// on the API, else the login form again with email and the message.
func (s *Server) rejectLockedLogin(w http.ResponseWriter, r *http.Request, err error,
	email string) bool {
	var locked *loginLockedError
	if !errors.As(err, &locked) {
		return false
	}
	s.log.Warn("login rejected by rate limit", "address", clientAddress(r),
		"retry_after_seconds", locked.retryAfter())
	w.Header().Set("Retry-After", strconv.Itoa(locked.retryAfter()))
	if isAPI(r) {
		writeJSONError(w, http.StatusTooManyRequests, locked.Error())
		return true
	}
	v := web.LoginPage{Page: s.page(r, "Log in"), Email: email, Error: locked.Error(),
		Next: r.PostFormValue("next")}
	s.render(w, r, http.StatusTooManyRequests, web.Login(v))
	return true
}

// clientAddress returns the address that failed logins are counted
// under: the host of r.RemoteAddr, or for IPv6 its /64 network, because
// one client commonly holds a whole /64.
//
// NOTE: behind a reverse proxy RemoteAddr is the proxy's address, so all
// clients share one counter and 30 failures from anyone lock everyone out
// for 15 minutes. Reading X-Forwarded-For safely needs a trusted-proxy
// setting, which the server does not have yet.
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	addr = addr.Unmap().WithZone("")
	if addr.Is4() {
		return addr.String()
	}
	network, err := addr.Prefix(64)
	if err != nil {
		return addr.String()
	}
	return network.String()
}
