package emulator

import (
	"crypto/sha256"
	"fmt"
)

// Lanes. The documented rate limits are per account (facts §15), so a run
// against one account is bound by its StopInstances limit of 10 a second.
// To run faster without testing a different rule, the embedded emulator
// (and `cvmconform emulate` with the default fleet) serves further
// accounts, lanes, each with its own fleet, limiter and credentials, over
// which a run spreads its checks.

// DefaultLanes is how many lane accounts the default fleet gets.
const DefaultLanes = 6

// WithLanes returns f with n more accounts, "lane-1" to "lane-n", each
// owning a copy of the first account's instances under IDs of its own
// (derived from the lane and the original ID, so every run sees the same
// fleet). f is not changed.
func WithLanes(f *FleetFile, n int) *FleetFile {
	out := &FleetFile{Comment: f.Comment, Accounts: append([]Account(nil), f.Accounts...)}
	if len(f.Accounts) == 0 {
		return out
	}
	for k := 1; k <= n; k++ {
		a := Account{Name: fmt.Sprintf("lane-%d", k)}
		for _, fi := range f.Accounts[0].Instances {
			fi.ID = laneID(k, fi.ID)
			a.Instances = append(a.Instances, fi)
		}
		out.Accounts = append(out.Accounts, a)
	}
	return out
}

// laneID derives lane k's ID for an instance: ins- and eight lower-case
// letters and digits (facts §11).
func laneID(k int, id string) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	sum := sha256.Sum256([]byte(fmt.Sprintf("lane-%d/%s", k, id)))
	b := []byte("ins-")
	for _, c := range sum[:8] {
		b = append(b, alphabet[int(c)%len(alphabet)])
	}
	return string(b)
}
