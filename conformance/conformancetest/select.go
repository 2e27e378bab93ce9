package conformancetest

import (
	"regexp"
	"strings"
)

// This file reads `go test`'s -run and -skip patterns the way the testing
// package matches subtest names, so that the suite runs only the checks
// whose subtests would run: a check is run by the engine (in lanes, side
// by side), and only reported inside its subtest, so that selecting in
// t.Run alone would still send every check's traffic.

// selected returns the IDs of ids whose subtest, under the test named
// parent ("TestConformance", or "TestX/sub" when Run is called inside a
// subtest), -run and -skip let run. It errs on the side of running: an
// alternative it cannot read (a pattern that does not compile) selects
// every check, since a check run and not reported costs only time, while
// a check not run that should have been would be reported as a pass.
func selected(run, skip, parent string, ids []string) []string {
	var out []string
	for _, id := range ids {
		name := parent + "/" + id
		if matches(run, name, true) && !(skip != "" && matches(skip, name, false)) {
			out = append(out, id)
		}
	}
	return out
}

// matches reports whether the pattern (-run or -skip) matches the test
// named name. A pattern with fewer elements than the name matches when
// its elements match the name's first ones (`-run TestConformance` runs
// every subtest; `-skip TestConformance` skips them all). One with more
// elements than the name matches it only for -run (partial true): the
// name is a parent of what it selects, which testing runs, and skips only
// what matches whole.
//
// As in the testing package: the pattern is split on '|' into
// alternatives, and each alternative on '/' into elements, neither inside
// brackets or parentheses; element i is an unanchored regular expression
// matched against the name's element i; an empty element matches any.
func matches(pattern, name string, partial bool) bool {
	if pattern == "" {
		return partial
	}
	elems := strings.Split(name, "/")
	for _, alt := range splitTop(pattern, '|') {
		if altMatches(splitTop(alt, '/'), elems, partial) {
			return true
		}
	}
	return false
}

// altMatches reports whether one alternative's elements match the name's
// elements; an element that is not a regular expression matches.
func altMatches(pats, elems []string, partial bool) bool {
	for i, p := range pats {
		if i >= len(elems) {
			return partial // the name is a parent of what the pattern selects
		}
		if p == "" {
			continue
		}
		re, err := regexp.Compile(p)
		if err != nil {
			continue // see selected: run rather than miss
		}
		if !re.MatchString(elems[i]) {
			return false
		}
	}
	return true
}

// splitTop splits s on sep outside brackets and parentheses (testing's
// splitRegexp), with a backslash escaping the next byte.
func splitTop(s string, sep byte) []string {
	var out []string
	depth, cs, start := 0, 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '[':
			cs++
		case ']':
			if cs > 0 {
				cs--
			}
		case '(':
			if cs == 0 {
				depth++
			}
		case ')':
			if cs == 0 && depth > 0 {
				depth--
			}
		case sep:
			if depth == 0 && cs == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}
