package main

import (
	"fmt"

	"github.com/cvmconform/cvmconform/conformance"
	"github.com/cvmconform/cvmconform/runner"
	"github.com/cvmconform/cvmconform/runner/tcapi"
)

// credentials are the accounts the environment holds, in the variables
// the official SDKs and tools read (DESIGN "Command line"). readCredentials
// is the one reader of them; every command that signs, verifies or serves
// with the user's keys (run, snapshot, call, judge, proxy, emulate) goes
// through it.
type credentials struct {
	// main is TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY, with
	// TENCENTCLOUD_SESSION_TOKEN for temporary credentials.
	main tcapi.Credential
	// second is TENCENTCLOUD_SECRET_ID_2 and _KEY_2, the isolation
	// checks' second account.
	second tcapi.Credential
	// lanes are _3, _4, … (as 'cvmconform emulate' prints them): further
	// accounts of the same target. The first pair of which neither
	// variable is set ends them.
	lanes []tcapi.Credential
}

// readCredentials reads every pair in env. An empty variable counts as
// unset. A pair half set, an ID without its key or a key without its ID,
// is an error naming the variable missing: a typo would otherwise leave
// an account out unseen.
func readCredentials(env environment) (credentials, error) {
	var c credentials
	for i := 0; ; i++ {
		idVar, keyVar := conformance.CredentialVars(i)
		id, key := lookup(env, idVar), lookup(env, keyVar)
		switch {
		case id == "" && key == "" && i >= 2:
			return c, nil
		case id == "" && key == "":
			continue // the main account or the second may be missing, and the lanes still follow
		case id == "":
			return credentials{}, fmt.Errorf("%s is not set: set %s and %s together", idVar, idVar, keyVar)
		case key == "":
			return credentials{}, fmt.Errorf("%s is not set: set %s and %s together", keyVar, idVar, keyVar)
		}
		cred := tcapi.Credential{SecretID: id, SecretKey: key}
		switch i {
		case 0:
			cred.Token = lookup(env, "TENCENTCLOUD_SESSION_TOKEN")
			c.main = cred
		case 1:
			c.second = cred
		default:
			c.lanes = append(c.lanes, cred)
		}
	}
}

// at is the account at position i (as conformance.CredentialVars numbers them), zero
// when it is not set.
func (c credentials) at(i int) tcapi.Credential {
	switch {
	case i == 0:
		return c.main
	case i == 1:
		return c.second
	case i-2 < len(c.lanes):
		return c.lanes[i-2]
	}
	return tcapi.Credential{}
}

// keys are the credentials as the keys that verify signatures (judge,
// proxy, call) and, for proxy --resign, sign again, each labelled with its
// masked SecretId, as the judge labels accounts; nil when none is set.
func (c credentials) keys() tcapi.KeyMap {
	var keys tcapi.KeyMap
	for _, cred := range append([]tcapi.Credential{c.main, c.second}, c.lanes...) {
		if cred.SecretID == "" {
			continue
		}
		if keys == nil {
			keys = tcapi.KeyMap{}
		}
		keys[cred.SecretID] = tcapi.Key{SecretKey: cred.SecretKey, Token: cred.Token, Account: runner.MaskSecretID(cred.SecretID)}
	}
	return keys
}

// lookup is a variable's value, "" when it is unset.
func lookup(env environment, name string) string {
	v, _ := env(name)
	return v
}
