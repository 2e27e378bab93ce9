package tcapi

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
)

// redacted stands in for a secret wherever a value is printed.
const redacted = "(redacted)"

// Credential is the client side of an API key: the SecretId that names it,
// the SecretKey that signs with it and, for temporary credentials, the
// session Token sent as X-TC-Token (v3) or Token= (v1).
//
// A Credential never reveals SecretKey or Token when printed: String,
// GoString and Format (every fmt verb), LogValue (log/slog) and
// MarshalJSON all replace them with "(redacted)" (an empty one prints as
// empty). This covers a Credential printed directly or as an exported
// field of a printed struct; fmt cannot call methods on unexported fields,
// so never keep a Credential in an unexported field of a value you print.
type Credential struct {
	SecretID  string
	SecretKey string
	Token     string
}

// String returns the SecretId followed by redaction markers, e.g.
// "AKIDEXAMPLE (SecretKey redacted)". The format is for humans and not
// stable.
func (c Credential) String() string {
	s := c.SecretID + " (SecretKey " + redactedOrEmpty(c.SecretKey)
	if c.Token != "" {
		s += ", Token " + redacted
	}
	return s + ")"
}

// GoString returns a Go-syntax-like rendering with the secrets redacted.
func (c Credential) GoString() string {
	return "tcapi.Credential{SecretID:" + strconv.Quote(c.SecretID) +
		", SecretKey:" + strconv.Quote(redactedOrEmpty(c.SecretKey)) +
		", Token:" + strconv.Quote(redactedOrEmpty(c.Token)) + "}"
}

// Format implements fmt.Formatter so that no verb, flag or width prints a
// secret: %#v prints GoString, %q the quoted String, every other verb the
// String.
func (c Credential) Format(f fmt.State, verb rune) { formatRedacted(f, verb, c.String(), c.GoString()) }

// LogValue implements slog.LogValuer with the redacted String.
func (c Credential) LogValue() slog.Value { return slog.StringValue(c.String()) }

// MarshalJSON encodes the Credential with its secrets redacted, so a
// Credential inside a marshalled transcript leaks nothing.
func (c Credential) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct{ SecretID, SecretKey, Token string }{
		c.SecretID, redactedOrEmpty(c.SecretKey), redactedOrEmpty(c.Token),
	})
}

// Key is the server side of an API key, as a [KeyStore] returns it.
//
// Token "" means a permanent key: a request must carry no session token.
// A non-empty Token means a temporary key: the request must carry exactly
// that token. Account is the account the key belongs to; [Decode] copies it
// into model.Request.Account when authentication succeeds.
//
// Like [Credential], a Key never prints or marshals its SecretKey or Token.
type Key struct {
	SecretKey string
	Token     string
	Account   string
}

// String returns the account and redaction markers, e.g.
// "account 100001 (SecretKey redacted)". The format is not stable.
func (k Key) String() string {
	s := "account " + k.Account + " (SecretKey " + redactedOrEmpty(k.SecretKey)
	if k.Token != "" {
		s += ", Token " + redacted
	}
	return s + ")"
}

// GoString returns a Go-syntax-like rendering with the secrets redacted.
func (k Key) GoString() string {
	return "tcapi.Key{SecretKey:" + strconv.Quote(redactedOrEmpty(k.SecretKey)) +
		", Token:" + strconv.Quote(redactedOrEmpty(k.Token)) +
		", Account:" + strconv.Quote(k.Account) + "}"
}

// Format implements fmt.Formatter exactly as [Credential.Format] does.
func (k Key) Format(f fmt.State, verb rune) { formatRedacted(f, verb, k.String(), k.GoString()) }

// LogValue implements slog.LogValuer with the redacted String.
func (k Key) LogValue() slog.Value { return slog.StringValue(k.String()) }

// MarshalJSON encodes the Key with its secrets redacted.
func (k Key) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct{ SecretKey, Token, Account string }{
		redactedOrEmpty(k.SecretKey), redactedOrEmpty(k.Token), k.Account,
	})
}

// KeyStore finds the key a SecretId names. Implementations must be safe
// for concurrent use when [Decode] is called concurrently.
type KeyStore interface {
	// Lookup returns the key for secretID and whether it exists.
	Lookup(secretID string) (Key, bool)
}

// KeyMap is a fixed [KeyStore]: SecretId ⇒ Key. A nil KeyMap knows no key.
// It is safe for concurrent use as long as nobody writes to it.
type KeyMap map[string]Key

// Lookup returns m[secretID].
func (m KeyMap) Lookup(secretID string) (Key, bool) {
	k, ok := m[secretID]
	return k, ok
}

func redactedOrEmpty(s string) string {
	if s == "" {
		return ""
	}
	return redacted
}

// formatRedacted writes plain or goSyntax for verb, honouring %q but no
// other flag that could change what is printed.
func formatRedacted(f fmt.State, verb rune, plain, goSyntax string) {
	switch {
	case verb == 'v' && f.Flag('#'):
		fmt.Fprint(f, goSyntax)
	case verb == 'q':
		fmt.Fprint(f, strconv.Quote(plain))
	default:
		fmt.Fprint(f, plain)
	}
}
