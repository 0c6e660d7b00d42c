package secretsmanager

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"example.com/appointments/internal/actionlink"
	"example.com/appointments/internal/appointment"
)

// ActionLinks returns what makes the emails' action links, for
// email.Settings.Links: the API's base URL followed by a path signed with
// the stack's action-link key, which is read once, here, from the secret
// arn. Every function that mails links makes them this way, so that
// ManageFunction accepts them all.
//
// Without arn the emails carry no links, as under a bare sam local invoke;
// the warning says so. With arn, base must be the API's absolute URL.
func ActionLinks(ctx context.Context, c Client, arn, base string, log *slog.Logger) (func(string, appointment.Action) string, error) {
	if arn == "" {
		log.Warn("ACTION_LINK_KEY_SECRET_ARN is not set; the emails carry no action links")
		return nil, nil
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("MANAGE_BASE_URL must be the API's absolute URL, not %q", base)
	}
	key, err := Read(ctx, c, arn)
	if err != nil {
		return nil, err
	}
	signer, err := actionlink.New([]byte(key))
	if err != nil {
		return nil, fmt.Errorf("action-link key %s: %w", arn, err)
	}
	base = strings.TrimSuffix(base, "/")
	return func(id string, a appointment.Action) string {
		return base + signer.Path(id, a, time.Now())
	}, nil
}
