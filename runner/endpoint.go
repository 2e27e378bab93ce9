package runner

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/cvmconform/cvmconform/model"
)

// Endpoint names a user may give instead of a URL.
const (
	EndpointTencentCloud     = "tencentcloud"
	EndpointTencentCloudIntl = "tencentcloud-intl"
)

// ResolveEndpoint turns --endpoint into a base URL. The names
// "tencentcloud" and "tencentcloud-intl" pick the real cloud's host for the
// region: the Finance host for a Finance region (seed §1 Note), the
// nearest-access host otherwise (facts §12), so a user never has to know
// the rule the suite checks. A URL is returned as given, without a
// trailing slash.
func ResolveEndpoint(endpoint, region string) (string, error) {
	switch endpoint {
	case EndpointTencentCloud, EndpointTencentCloudIntl:
		if region == "" {
			return "", fmt.Errorf("--endpoint %s needs --region (or TENCENTCLOUD_REGION)", endpoint)
		}
		switch {
		case model.FinanceRegion(region):
			return "https://" + model.RegionHost(region), nil
		case endpoint == EndpointTencentCloudIntl:
			return "https://" + model.NearestHostIntl, nil
		}
		return "https://" + model.NearestHost, nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("--endpoint %q: want an http(s) URL such as http://127.0.0.1:8080, or %q", endpoint, EndpointTencentCloud)
	}
	return strings.TrimSuffix(endpoint, "/"), nil
}

// Loopback reports whether a base URL's host is a loopback address or
// localhost: a target on this machine, which the suite may act on without
// an explicit allow-list.
func Loopback(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
