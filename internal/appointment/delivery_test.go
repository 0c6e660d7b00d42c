package appointment

import (
	"testing"
	"time"
)

func TestDeliveryClaimable(t *testing.T) {
	now := time.Date(2026, 11, 27, 16, 30, 0, 0, time.UTC)
	tests := []struct {
		name string
		d    Delivery
		want bool
	}{
		{"never tried", Delivery{}, true},
		{"lease running", Delivery{State: DeliverySending, LeaseUntil: now.Add(time.Second)}, false},
		{"lease ends now", Delivery{State: DeliverySending, LeaseUntil: now}, false},
		{"lease ran out", Delivery{State: DeliverySending, LeaseUntil: now.Add(-time.Millisecond)}, true},
		{"sent", Delivery{State: DeliverySent, LeaseUntil: now.Add(-time.Hour)}, false},
		{"failed", Delivery{State: DeliveryFailed}, false},
	}
	for _, tt := range tests {
		if got := tt.d.Claimable(now); got != tt.want {
			t.Errorf("%s: Claimable() = %v, want %v", tt.name, got, tt.want)
		}
	}
}
