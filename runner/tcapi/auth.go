package tcapi

import "crypto/subtle"

// lookup asks keys for secretID; a nil KeyStore knows no key.
func lookup(keys KeyStore, secretID string) (Key, bool) {
	if keys == nil {
		return Key{}, false
	}
	return keys.Lookup(secretID)
}

// tokenOK reports whether the session token sent (X-TC-Token or Token=,
// "" when absent) suits key: a permanent key (Token "") takes no token, a
// temporary key exactly its own.
func tokenOK(key Key, sent string) bool {
	if key.Token == "" {
		return sent == ""
	}
	return subtle.ConstantTimeCompare([]byte(key.Token), []byte(sent)) == 1
}
