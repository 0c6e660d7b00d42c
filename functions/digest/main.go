// Command digest is the DigestFunction: on the schedule's invocation each
// weekday morning it emails the front desk the requests still open, the
// overdue ones first, read from the RequestsTable's status index.
package main

import (
	"example.com/appointments/internal/config"
	"example.com/appointments/internal/digest"
	"example.com/appointments/internal/wire/bootstrap"
	"example.com/appointments/internal/wire/digestfn"
)

// setup reads the settings once (config.ReadDigest), loads the AWS
// configuration from the environment and builds the handler and its
// clients (digestfn.OnAWS).
var setup = bootstrap.Setup(config.ReadDigest, digestfn.OnAWS)

func main() {
	bootstrap.Run("digest", setup, func(h *digest.Handler) any { return h.Handle })
}
