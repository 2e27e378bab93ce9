package tcapi

import (
	"fmt"
	"io"
)

// NewRequestID returns a lower-case UUIDv4 such as
// "d39d6c09-44e9-4e80-8661-77b5ff3cbc15" (facts §5), made from 16 bytes
// of rnd (crypto/rand.Reader in production; a seeded source in tests).
//
// It panics if rnd cannot supply 16 bytes: that is a programming error.
func NewRequestID(rnd io.Reader) string {
	var u [16]byte
	if _, err := io.ReadFull(rnd, u[:]); err != nil {
		panic(fmt.Errorf("tcapi: NewRequestID: %w", err))
	}
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // variant 10
	var b [36]byte
	j := 0
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b[j] = '-'
			j++
		}
		b[j], b[j+1] = hexDigits[c>>4], hexDigits[c&0xf]
		j += 2
	}
	return string(b[:])
}
