package model

import (
	"net"
	"strings"
)

// Regions lists the regions the SDK names (facts §12, [SDK-common]
// regions/regions.go). Some may be retired; the model treats every listed
// region as supported and any other name as unsupported.
var Regions = []string{
	"ap-bangkok", "ap-beijing", "ap-chengdu", "ap-chongqing", "ap-guangzhou",
	"ap-guangzhou-open", "ap-hongkong", "ap-jakarta", "ap-mumbai", "ap-seoul",
	"ap-shanghai", "ap-nanjing", "ap-shanghai-fsi", "ap-shenzhen-fsi",
	"ap-singapore", "ap-tokyo", "eu-frankfurt", "eu-moscow", "na-ashburn",
	"na-siliconvalley", "na-toronto", "sa-saopaulo",
}

// FinanceRegions are the isolated Finance regions (facts §12).
var FinanceRegions = []string{"ap-shanghai-fsi", "ap-shenzhen-fsi"}

// KnownRegion reports whether r is a region the SDK lists.
func KnownRegion(r string) bool { return contains(Regions, r) }

// FinanceRegion reports whether r is a Finance region.
func FinanceRegion(r string) bool { return contains(FinanceRegions, r) }

// Endpoint host names (facts §12).
const (
	NearestHost     = "cvm.tencentcloudapi.com"
	NearestHostIntl = "cvm.intl.tencentcloudapi.com"
)

// RegionHost returns the pinned host for a region,
// cvm.<region>.tencentcloudapi.com; for a Finance region this is the
// Finance host the seed requires (seed §1 "Note").
func RegionHost(region string) string { return "cvm." + region + ".tencentcloudapi.com" }

// HostKind classifies a Host header.
type HostKind uint8

// The host kinds.
const (
	// HostOther: a host the model cannot place (loopback, a custom
	// emulator name). Host rules do not apply to it.
	HostOther HostKind = iota
	// HostNearest: the nearest-access host, which serves non-Finance
	// regions only (facts §12).
	HostNearest
	// HostRegional: cvm.<region>.tencentcloudapi.com of a non-Finance region.
	HostRegional
	// HostFinance: the pinned host of a Finance region.
	HostFinance
)

// ClassifyHost places a Host header (port allowed) and, for a pinned host,
// returns its region.
func ClassifyHost(host string) (HostKind, string) {
	h := strings.ToLower(host)
	if hh, _, err := net.SplitHostPort(h); err == nil {
		h = hh
	}
	h = strings.TrimSuffix(h, ".")
	switch h {
	case NearestHost, NearestHostIntl:
		return HostNearest, ""
	}
	if r, ok := strings.CutPrefix(h, "cvm."); ok {
		if r, ok = strings.CutSuffix(r, ".tencentcloudapi.com"); ok && KnownRegion(r) {
			if FinanceRegion(r) {
				return HostFinance, r
			}
			return HostRegional, r
		}
	}
	return HostOther, ""
}

// RegionOfZone returns the region a zone belongs to: "ap-guangzhou-3" is
// in "ap-guangzhou". Zones are the region name and a number.
func RegionOfZone(zone string) string {
	i := strings.LastIndexByte(zone, '-')
	if i < 0 {
		return zone
	}
	return zone[:i]
}

func contains[T comparable](xs []T, x T) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
