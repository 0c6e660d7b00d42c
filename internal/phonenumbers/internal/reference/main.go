// Command reference prints, as JSON, what the published
// github.com/nyaruka/phonenumbers module answers for a corpus of inputs: for
// every region and every number type the library has an example of, the
// example written in each format and changed by a digit, together with
// inputs that exercise parsing (extensions, punctuation, international
// prefixes, letters, other scripts' digits).
//
// The tests of internal/phonenumbers run it and check that the package,
// which loads the same metadata lazily, answers every input the same way.
// With the argument "metadata" it prints the library's decoded metadata of
// every region instead, which the tests compare with the package's own
// decoding.
// It is a separate program because the two packages register the same
// protocol buffer types and so cannot be linked into one binary.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"

	"github.com/nyaruka/phonenumbers"
)

// Case is one input and what the library answers for it.
type Case struct {
	Input  string `json:"input"`
	Region string `json:"region"`

	Err           bool   `json:"err,omitempty"`
	Valid         bool   `json:"valid,omitempty"`
	Possible      bool   `json:"possible,omitempty"`
	Type          int    `json:"type,omitempty"`
	NumberRegion  string `json:"numberRegion,omitempty"`
	E164          string `json:"e164,omitempty"`
	National      string `json:"national,omitempty"`
	International string `json:"international,omitempty"`
	Extension     string `json:"extension,omitempty"`
}

// Types are every number type the library distinguishes.
var Types = []phonenumbers.PhoneNumberType{
	phonenumbers.FIXED_LINE, phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE,
	phonenumbers.TOLL_FREE, phonenumbers.PREMIUM_RATE, phonenumbers.SHARED_COST,
	phonenumbers.VOIP, phonenumbers.PERSONAL_NUMBER, phonenumbers.PAGER,
	phonenumbers.UAN, phonenumbers.VOICEMAIL,
}

// Fixed are inputs a patient might type, parsed in a few regions each.
var Fixed = []string{
	"(415) 555-2671", "415.555.2671", "+1 415 555 2671", "1-415-555-2671",
	"415 555 2671 ext. 12", "415-555-2671 x 9", "415-555-2671;ext=77",
	"tel:+1-415-555-2671", "011 44 20 7946 0958", "+44 (0) 20 7946 0958",
	"020 7946 0958", "00 33 1 42 68 53 00", "+49 30 901820", "1-800-FLOWERS",
	"+1 900 555 0100", "+44 871 123 4567", "+44 845 464 0000", "٠٧٩٤٦ ٠٩٥٨",
	"＋１ ４１５ ５５５ ２６７１", "+", "", "12", "555-0100", "+800 1234 5678",
	"+882 3400 1234", "+39 06 698 12345", "06 698 12345", "+61 2 9374 4000",
	"(02) 9374 4000", "+81 3-3224-5000", "+86 10 6552 9988", "+52 55 5080 2000",
	"044 55 1234 5678", "+91 98765 43210", "098765 43210", "+1 242 357 1234",
	"not a number", "+1 415 555 2671 5", "4155552671415555267141555526714",
}

// FixedRegions are the default regions the fixed inputs are parsed in.
var FixedRegions = []string{"US", "GB", "FR", "DE", "AU", "MX", "IN", "IT", "JP", "BS", "ZZ"}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "metadata" {
		// The decoded metadata of every region, as JSON.
		coll, err := phonenumbers.MetadataCollection()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := json.NewEncoder(os.Stdout).Encode(coll); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	var cases []Case
	add := func(input, region string) {
		cases = append(cases, Answer(input, region))
	}
	for _, in := range Fixed {
		for _, r := range FixedRegions {
			add(in, r)
		}
	}
	regions := make([]string, 0, len(phonenumbers.GetSupportedRegions()))
	for r := range phonenumbers.GetSupportedRegions() {
		regions = append(regions, r)
	}
	slices.Sort(regions)
	for _, r := range regions {
		for _, t := range Types {
			n := phonenumbers.GetExampleNumberForType(r, t)
			if n == nil {
				continue
			}
			for _, f := range []phonenumbers.PhoneNumberFormat{phonenumbers.E164, phonenumbers.INTERNATIONAL, phonenumbers.NATIONAL, phonenumbers.RFC3966} {
				s := phonenumbers.Format(n, f)
				add(s, r)
				add(s+"1", r)
				add(s[:len(s)-1], r)
				add(s+" ext. 123", r)
			}
			add(phonenumbers.Format(n, phonenumbers.NATIONAL), "US")
		}
	}
	codes := make([]int, 0)
	for c := range phonenumbers.GetSupportedGlobalNetworkCallingCodes() {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	for _, c := range codes {
		if n := phonenumbers.GetExampleNumberForNonGeoEntity(c); n != nil {
			add(phonenumbers.Format(n, phonenumbers.E164), "US")
			add(phonenumbers.Format(n, phonenumbers.INTERNATIONAL), "GB")
		}
	}
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(struct {
		Regions []string `json:"regions"`
		Codes   []int    `json:"codes"`
		Cases   []Case   `json:"cases"`
	}{regions, codes, cases}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// Answer parses input in region and records every answer the project uses.
func Answer(input, region string) Case {
	c := Case{Input: input, Region: region}
	n, err := phonenumbers.Parse(input, region)
	if err != nil {
		c.Err = true
		return c
	}
	c.Valid = phonenumbers.IsValidNumber(n)
	c.Possible = phonenumbers.IsPossibleNumber(n)
	c.Type = int(phonenumbers.GetNumberType(n))
	c.NumberRegion = phonenumbers.GetRegionCodeForNumber(n)
	c.E164 = phonenumbers.Format(n, phonenumbers.E164)
	c.National = phonenumbers.Format(n, phonenumbers.NATIONAL)
	c.International = phonenumbers.Format(n, phonenumbers.INTERNATIONAL)
	c.Extension = n.GetExtension()
	return c
}
