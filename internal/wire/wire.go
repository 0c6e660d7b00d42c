// Package wire holds what the functions' constructors share: reading the
// stack's secrets as a function starts, and making the emails' action
// links from the key one of them holds.
//
// Each function has a constructor of its own in a package below this one
// (submitfn, notifyfn, managefn, digestfn, feedbackfn), so that a function's
// bootstrap links its own handler and no other's; the local server calls
// the same constructors with stores of its own. The Lambda entry point
// that every main shares is in bootstrap.
package wire

import (
	"context"
	"fmt"
	"log/slog"

	"example.com/appointments/internal/actionlink"
	"example.com/appointments/internal/appointment"
	"example.com/appointments/internal/config"
	secretstore "example.com/appointments/internal/secretsmanager"
)

// StartSecret begins reading the secret arn, as secretstore.Start does, or
// returns nil when arn is empty, for a secret the function may do without.
func StartSecret(ctx context.Context, c secretstore.Client, arn string) func() (string, error) {
	if arn == "" {
		return nil
	}
	return secretstore.Start(ctx, c, arn)
}

// Links makes the emails' action links: the absolute URL of the signed
// link that takes an action on a request (email.Settings.Links).
type Links = func(id string, a appointment.Action) string

// StartEmailLinks begins reading the action-link key of l and returns a
// function that waits for it and returns what makes the emails' links,
// signed with that key and starting with l.BaseURL, so that ManageFunction
// accepts them.
//
// Without a key the emails carry no links, as under a bare sam local
// invoke: the links are nil, and the warning says so.
func StartEmailLinks(ctx context.Context, c secretstore.Client, l config.Links, log *slog.Logger) func() (Links, error) {
	if l.KeySecretARN == "" {
		log.Warn("ACTION_LINK_KEY_SECRET_ARN is not set; the emails carry no action links")
		return func() (Links, error) { return nil, nil }
	}
	signer := StartSigner(ctx, c, l.KeySecretARN)
	return func() (Links, error) {
		s, err := signer()
		if err != nil {
			return nil, err
		}
		return s.URLs(l.BaseURL), nil
	}
}

// StartSigner begins reading the action-link key from the secret arn and
// returns a function that waits for it and returns the signer made with
// it. Errors name the secret, never its value.
func StartSigner(ctx context.Context, c secretstore.Client, arn string) func() (*actionlink.Signer, error) {
	read := secretstore.Start(ctx, c, arn)
	return func() (*actionlink.Signer, error) {
		key, err := read()
		if err != nil {
			return nil, err
		}
		signer, err := actionlink.New([]byte(key))
		if err != nil {
			return nil, fmt.Errorf("the action-link key in secret %s: %w", arn, err)
		}
		return signer, nil
	}
}
