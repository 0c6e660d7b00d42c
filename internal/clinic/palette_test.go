package clinic

import "testing"

func TestNewPalette(t *testing.T) {
	tests := []struct {
		brand       string
		wantOnBrand string
	}{
		{"#0f4c5c", "#ffffff"},
		{"#FFD500", lightText},
		{"#000000", "#ffffff"},
		{"#ffffff", lightText},
	}
	for _, tt := range tests {
		p, err := NewPalette(tt.brand)
		if err != nil {
			t.Fatalf("NewPalette(%q): %v", tt.brand, err)
		}
		if p.OnBrand != tt.wantOnBrand {
			t.Errorf("NewPalette(%q).OnBrand = %s, want %s", tt.brand, p.OnBrand, tt.wantOnBrand)
		}
		if c := contrast(parseColor(p.Link), parseColor(lightCard)); c < 4.5 {
			t.Errorf("NewPalette(%q).Link %s has contrast %.2f on white, want at least 4.5", tt.brand, p.Link, c)
		}
		if c := contrast(parseColor(p.DarkLink), parseColor(darkCard)); c < 4.5 {
			t.Errorf("NewPalette(%q).DarkLink %s has contrast %.2f on the dark card, want at least 4.5", tt.brand, p.DarkLink, c)
		}
	}
	for _, bad := range []string{"", "red", "#fff", "#0f4c5cz", "#0f4c5c;background:url(x)", "expression(alert(1))"} {
		if _, err := NewPalette(bad); err == nil {
			t.Errorf("NewPalette(%q) succeeded, want an error", bad)
		}
	}
}

func TestPaletteKeepsContrast(t *testing.T) {
	for _, brand := range []string{"#0f4c5c", "#ffd400", "#000000", "#ffffff", "#7f7f7f", "#e4002b"} {
		p, err := NewPalette(brand)
		if err != nil {
			t.Fatal(err)
		}
		checks := []struct {
			what string
			a, b string
			min  float64
		}{
			// The brand colour carries only the clinic's name, in large bold
			// text, for which 3:1 is enough.
			{"the clinic's name on the brand colour", p.Brand, p.OnBrand, 3},
			{"links on the light card", p.Link, lightCard, 4.5},
			{"dark-mode links on the dark card", p.DarkLink, darkCard, 4.5},
			{"text on the dark-mode link colour", p.DarkLink, p.OnDarkLink, 4.5},
		}
		for _, c := range checks {
			if got := contrast(parseColor(c.a), parseColor(c.b)); got < c.min {
				t.Errorf("brand %s: %s has contrast %.2f, want at least %.1f", brand, c.what, got, c.min)
			}
		}
	}
}
