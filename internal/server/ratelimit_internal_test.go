package server

import (
	"net/http/httptest"
	"testing"
	"time"
)

func TestRateLimitClientAddress(t *testing.T) {
	tests := []struct {
		name, remote, want string
	}{
		{"ipv4", "192.0.2.10:51234", "192.0.2.10"},
		{"ipv6 keeps its /64", "[2001:db8:1:2:3:4:5:6]:443", "2001:db8:1:2::/64"},
		{"ipv4-mapped ipv6", "[::ffff:192.0.2.10]:80", "192.0.2.10"},
		{"ipv6 with a zone", "[fe80::1%eth0]:80", "fe80::/64"},
		{"no port", "192.0.2.10", "192.0.2.10"},
		{"not an address", "pipe", "pipe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/login", nil)
			r.RemoteAddr = tt.remote
			if got := clientAddress(r); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRateLimitMessage(t *testing.T) {
	tests := []struct {
		wait        time.Duration
		wantMessage string
		wantRetry   int
	}{
		{15 * time.Minute, "Too many failed logins; try again in 15 minutes.", 900},
		{14*time.Minute + time.Second, "Too many failed logins; try again in 15 minutes.", 841},
		{time.Minute, "Too many failed logins; try again in 1 minute.", 60},
		{59*time.Second + time.Millisecond, "Too many failed logins; try again in 60 seconds.", 60},
		{time.Second, "Too many failed logins; try again in 1 second.", 1},
		{time.Millisecond, "Too many failed logins; try again in 1 second.", 1},
	}
	for _, tt := range tests {
		t.Run(tt.wait.String(), func(t *testing.T) {
			e := &loginLockedError{wait: tt.wait}
			if got := e.Error(); got != tt.wantMessage {
				t.Errorf("message: got %q, want %q", got, tt.wantMessage)
			}
			if got := e.retryAfter(); got != tt.wantRetry {
				t.Errorf("Retry-After: got %d, want %d", got, tt.wantRetry)
			}
		})
	}
}
