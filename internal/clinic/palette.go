package clinic

import (
	"fmt"
	"math"
	"strconv"
)

// Palette holds the colours of the clinic's pages and emails, all derived
// from its brand colour so that any brand stays readable in light and dark
// mode. Each is a plain #rrggbb value, formatted from numbers, so it is safe
// wherever it is written into CSS.
type Palette struct {
	// Brand is the header band's background.
	Brand string
	// OnBrand is the text colour on the header band.
	OnBrand string
	// Link colours links and accents on the white card.
	Link string
	// Tint is the pale background of the reference box.
	Tint string
	// DarkLink and DarkTint replace Link and Tint in dark mode; OnDarkLink
	// is text on a DarkLink background.
	DarkLink   string
	OnDarkLink string
	DarkTint   string
}

// The fixed colours of the light and dark themes.
const (
	lightCard = "#ffffff"
	darkCard  = "#1c2127"
	lightText = "#1f2933"
)

// Palette derives the clinic's palette from its brand colour.
func (p *Profile) Palette() Palette {
	pal, err := NewPalette(p.BrandColor)
	if err != nil {
		// Validate has checked the colour; a profile built by hand without
		// it gets the default brand's palette.
		pal, _ = NewPalette("#0f4c5c")
	}
	return pal
}

// NewPalette derives a palette from a #rrggbb brand colour.
func NewPalette(brand string) (Palette, error) {
	if !colorPattern.MatchString(brand) {
		return Palette{}, fmt.Errorf("brand colour %q is not #rrggbb", brand)
	}
	b := parseColor(brand)
	white, dark, text := parseColor(lightCard), parseColor(darkCard), parseColor(lightText)

	onBrand := lightCard
	if contrast(b, white) < contrast(b, text) {
		onBrand = lightText
	}
	// Links need 4.5:1 against the card (WCAG AA); a light brand colour is
	// darkened, and in dark mode lightened, until they have it.
	link := b
	for i := 1; contrast(link, white) < 4.5 && i <= 10; i++ {
		link = mix(b, rgb{}, float64(i)/10)
	}
	darkLink := b
	for i := 1; contrast(darkLink, dark) < 4.5 && i <= 10; i++ {
		darkLink = mix(b, white, float64(i)/10)
	}
	onDarkLink := lightCard
	if contrast(darkLink, white) < contrast(darkLink, dark) {
		onDarkLink = darkCard
	}
	return Palette{
		Brand:      b.String(),
		OnBrand:    onBrand,
		Link:       link.String(),
		Tint:       mix(b, white, 0.9).String(),
		DarkLink:   darkLink.String(),
		OnDarkLink: onDarkLink,
		DarkTint:   mix(b, dark, 0.75).String(),
	}, nil
}

type rgb struct{ r, g, b float64 }

func parseColor(s string) rgb {
	v, _ := strconv.ParseUint(s[1:], 16, 32)
	return rgb{float64(v >> 16 & 0xff), float64(v >> 8 & 0xff), float64(v & 0xff)}
}

func (c rgb) String() string {
	return fmt.Sprintf("#%02x%02x%02x", uint8(math.Round(c.r)), uint8(math.Round(c.g)), uint8(math.Round(c.b)))
}

// mix moves c towards other by the fraction t.
func mix(c, other rgb, t float64) rgb {
	return rgb{c.r + (other.r-c.r)*t, c.g + (other.g-c.g)*t, c.b + (other.b-c.b)*t}
}

// luminance is the relative luminance WCAG defines.
func luminance(c rgb) float64 {
	channel := func(v float64) float64 {
		v /= 255
		if v <= 0.04045 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*channel(c.r) + 0.7152*channel(c.g) + 0.0722*channel(c.b)
}

func contrast(a, b rgb) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}
