package report

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestClean(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		in        string
		multiline bool
		want      string
		reason    string
	}{
		{"plain", "InvalidInstanceId.NotFound <&> ↳ é 中", false, "InvalidInstanceId.NotFound <&> ↳ é 中", "printable text is kept, markup included"},
		{"escape", "\x1b[31mred\x07", false, `\x1b[31mred\x07`, "a target cannot send terminal sequences"},
		{"one line", "a\nb\tc\r\nd", false, `a\nb\tc\r\nd`, "a one-line field stays on one line"},
		{"multiline", "a\nb\tc\r\nd\re", true, "a\nb\tc\nd\\re", "CR LF becomes LF, a lone CR is escaped"},
		{"invalid UTF-8", "5d1f\xff\xc3", false, `5d1f\xff\xc3`, "each invalid byte is shown"},
		{"DEL and C1", "a\x7fb\u0085c\u009b", false, `a\x7fb\u0085c\u009b`, "DEL and C1 controls (U+009B is CSI) are escaped"},
		{"noncharacters", "\ufffe\uffff\ufffd", false, `\ufffe\uffff` + "\ufffd", "XML forbids U+FFFE and U+FFFF; U+FFFD is a character"},
		{"empty", "", true, "", "nothing to do"},
	} {
		require.Equal(t, tc.want, clean(tc.in, tc.multiline), "%s: %s", tc.name, tc.reason)
	}
}

func TestSeconds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0.00s"},
		{210 * time.Millisecond, "0.21s"},
		{3100 * time.Millisecond, "3.1s"},
		{38200 * time.Millisecond, "38.2s"},
		{95 * time.Second, "1m35s"},
		{61*time.Minute + 500*time.Millisecond, "61m01s"},
	} {
		require.Equal(t, tc.want, seconds(tc.d), "%v", tc.d)
	}
}
