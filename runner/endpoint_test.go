package runner_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cvmconform/cvmconform/runner"
)

func TestResolveEndpoint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, endpoint, region string
		want                   string
		wantErr                string // a substring of the error; "" for none
		reason                 string
	}{
		{"cloud", "tencentcloud", "ap-guangzhou", "https://cvm.tencentcloudapi.com", "",
			"an ordinary region goes to the nearest-access host (facts §12)"},
		{"cloud-shanghai-fsi", "tencentcloud", "ap-shanghai-fsi", "https://cvm.ap-shanghai-fsi.tencentcloudapi.com", "",
			"a Finance region needs its Finance host (seed §1 Note)"},
		{"cloud-shenzhen-fsi", "tencentcloud", "ap-shenzhen-fsi", "https://cvm.ap-shenzhen-fsi.tencentcloudapi.com", "",
			"the other Finance region, likewise"},
		{"intl", "tencentcloud-intl", "ap-singapore", "https://cvm.intl.tencentcloudapi.com", "",
			"the international site has its own nearest-access host"},
		{"intl-fsi", "tencentcloud-intl", "ap-shanghai-fsi", "https://cvm.ap-shanghai-fsi.tencentcloudapi.com", "",
			"a Finance region's host is the same from either site"},
		{"no-region", "tencentcloud", "", "", "needs --region",
			"the real cloud's host depends on the region"},
		{"intl-no-region", "tencentcloud-intl", "", "", "needs --region", "likewise"},
		{"url", "http://127.0.0.1:8080", "ap-guangzhou", "http://127.0.0.1:8080", "", "a URL is taken as given"},
		{"https-url", "https://cvm.example.com", "", "https://cvm.example.com", "", "no region is needed for a URL"},
		{"trailing-slash", "http://127.0.0.1:8080/", "ap-guangzhou", "http://127.0.0.1:8080", "", "the trailing slash is trimmed"},
		{"ftp", "ftp://127.0.0.1", "ap-guangzhou", "", "want an http(s) URL", "only http and https"},
		{"no-scheme", "127.0.0.1:8080", "ap-guangzhou", "", "want an http(s) URL", "a bare host:port is not a URL"},
		{"no-host", "http://", "ap-guangzhou", "", "want an http(s) URL", "a URL needs a host"},
		{"garbage", "http://[::1", "ap-guangzhou", "", "want an http(s) URL", "a URL that does not parse"},
		{"name-typo", "tencentclod", "ap-guangzhou", "", "tencentcloud", "an unknown name is not a URL, and the error names the right one"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := runner.ResolveEndpoint(tc.endpoint, tc.region)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("ResolveEndpoint(%q, %q) = %v; want %q\nreason: %s", tc.endpoint, tc.region, err, tc.want, tc.reason)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("ResolveEndpoint(%q, %q) = %q, %v; want an error containing %q\nreason: %s", tc.endpoint, tc.region, got, err, tc.wantErr, tc.reason)
			case got != tc.want:
				t.Fatalf("ResolveEndpoint(%q, %q) = %q; want %q\nreason: %s", tc.endpoint, tc.region, got, tc.want, tc.reason)
			}
		})
	}
}

func TestLoopback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		endpoint string
		want     bool
		reason   string
	}{
		{"http://127.0.0.1:8080", true, "IPv4 loopback"},
		{"http://127.0.0.53", true, "all of 127/8 is loopback"},
		{"http://[::1]:8080", true, "IPv6 loopback"},
		{"http://localhost:8080", true, "localhost names this machine"},
		{"http://10.0.0.1:8080", false, "a private address is another machine"},
		{"https://cvm.tencentcloudapi.com", false, "the real cloud"},
		{"http://localhost.example.com", false, "a name that only starts with localhost"},
		{"http://[::1", false, "garbage does not parse"},
		{"", false, "nothing"},
	}
	for _, tc := range tests {
		if got := runner.Loopback(tc.endpoint); got != tc.want {
			t.Errorf("Loopback(%q) = %v; want %v\nreason: %s", tc.endpoint, got, tc.want, tc.reason)
		}
	}
}

func TestSettleTimeout(t *testing.T) {
	t.Parallel()
	// The default must fit the slowest defensible target: an emulator
	// whose transitions take a minute, a cloud whose take tens of seconds
	// (facts §16), with room to spare.
	if a, b := runner.SettleTimeout("http://127.0.0.1:1"), runner.SettleTimeout("https://cvm.tencentcloudapi.com"); a < time.Minute || b < 5*time.Minute || a >= b {
		t.Fatalf("SettleTimeout: loopback %v, cloud %v; want a minute and more on loopback, minutes on a cloud", a, b)
	}
}
