// Message types of the metadata and of a phone number, as the upstream
// library generates them from phonemetadata.proto and phonenumber.proto,
// written out as plain structs with the same fields and getters, and
// decoded from the protocol buffer wire format by hand: the protocol buffer
// runtime would add some 1.5 MB to every program that validates a number.

package phonenumbers

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// PhoneNumber_CountryCodeSource says how a number's country code was found.
type PhoneNumber_CountryCodeSource int32

const (
	PhoneNumber_UNSPECIFIED                   PhoneNumber_CountryCodeSource = 0
	PhoneNumber_FROM_NUMBER_WITH_PLUS_SIGN    PhoneNumber_CountryCodeSource = 1
	PhoneNumber_FROM_NUMBER_WITH_IDD          PhoneNumber_CountryCodeSource = 5
	PhoneNumber_FROM_NUMBER_WITHOUT_PLUS_SIGN PhoneNumber_CountryCodeSource = 10
	PhoneNumber_FROM_DEFAULT_COUNTRY          PhoneNumber_CountryCodeSource = 20
)

// Enum value maps for PhoneNumber_CountryCodeSource.
var (
	PhoneNumber_CountryCodeSource_name = map[int32]string{
		0:  "UNSPECIFIED",
		1:  "FROM_NUMBER_WITH_PLUS_SIGN",
		5:  "FROM_NUMBER_WITH_IDD",
		10: "FROM_NUMBER_WITHOUT_PLUS_SIGN",
		20: "FROM_DEFAULT_COUNTRY",
	}
	PhoneNumber_CountryCodeSource_value = map[string]int32{
		"UNSPECIFIED":                   0,
		"FROM_NUMBER_WITH_PLUS_SIGN":    1,
		"FROM_NUMBER_WITH_IDD":          5,
		"FROM_NUMBER_WITHOUT_PLUS_SIGN": 10,
		"FROM_DEFAULT_COUNTRY":          20,
	}
)

func (x PhoneNumber_CountryCodeSource) Enum() *PhoneNumber_CountryCodeSource {
	p := new(PhoneNumber_CountryCodeSource)
	*p = x
	return p
}

func (x PhoneNumber_CountryCodeSource) String() string {
	if name, ok := PhoneNumber_CountryCodeSource_name[int32(x)]; ok {
		return name
	}
	return fmt.Sprint(int32(x))
}

type NumberFormat struct {
	Pattern                              *string  `json:"pattern,omitempty"`
	Format                               *string  `json:"format,omitempty"`
	LeadingDigitsPattern                 []string `json:"leading_digits_pattern,omitempty"`
	NationalPrefixFormattingRule         *string  `json:"national_prefix_formatting_rule,omitempty"`
	NationalPrefixOptionalWhenFormatting *bool    `json:"national_prefix_optional_when_formatting,omitempty"`
	DomesticCarrierCodeFormattingRule    *string  `json:"domestic_carrier_code_formatting_rule,omitempty"`
}

const Default_NumberFormat_NationalPrefixOptionalWhenFormatting = bool(false)

func (x *NumberFormat) GetPattern() string {
	if x != nil && x.Pattern != nil {
		return *x.Pattern
	}
	return ""
}

func (x *NumberFormat) GetFormat() string {
	if x != nil && x.Format != nil {
		return *x.Format
	}
	return ""
}

func (x *NumberFormat) GetLeadingDigitsPattern() []string {
	if x != nil {
		return x.LeadingDigitsPattern
	}
	return nil
}

func (x *NumberFormat) GetNationalPrefixFormattingRule() string {
	if x != nil && x.NationalPrefixFormattingRule != nil {
		return *x.NationalPrefixFormattingRule
	}
	return ""
}

func (x *NumberFormat) GetNationalPrefixOptionalWhenFormatting() bool {
	if x != nil && x.NationalPrefixOptionalWhenFormatting != nil {
		return *x.NationalPrefixOptionalWhenFormatting
	}
	return Default_NumberFormat_NationalPrefixOptionalWhenFormatting
}

func (x *NumberFormat) GetDomesticCarrierCodeFormattingRule() string {
	if x != nil && x.DomesticCarrierCodeFormattingRule != nil {
		return *x.DomesticCarrierCodeFormattingRule
	}
	return ""
}

type PhoneNumberDesc struct {
	NationalNumberPattern   *string `json:"national_number_pattern,omitempty"`
	PossibleLength          []int32 `json:"possible_length,omitempty"`
	PossibleLengthLocalOnly []int32 `json:"possible_length_local_only,omitempty"`
	ExampleNumber           *string `json:"example_number,omitempty"`
}

func (x *PhoneNumberDesc) GetNationalNumberPattern() string {
	if x != nil && x.NationalNumberPattern != nil {
		return *x.NationalNumberPattern
	}
	return ""
}

func (x *PhoneNumberDesc) GetPossibleLength() []int32 {
	if x != nil {
		return x.PossibleLength
	}
	return nil
}

func (x *PhoneNumberDesc) GetPossibleLengthLocalOnly() []int32 {
	if x != nil {
		return x.PossibleLengthLocalOnly
	}
	return nil
}

func (x *PhoneNumberDesc) GetExampleNumber() string {
	if x != nil && x.ExampleNumber != nil {
		return *x.ExampleNumber
	}
	return ""
}

type PhoneMetadata struct {
	GeneralDesc                   *PhoneNumberDesc `json:"general_desc,omitempty"`
	FixedLine                     *PhoneNumberDesc `json:"fixed_line,omitempty"`
	Mobile                        *PhoneNumberDesc `json:"mobile,omitempty"`
	TollFree                      *PhoneNumberDesc `json:"toll_free,omitempty"`
	PremiumRate                   *PhoneNumberDesc `json:"premium_rate,omitempty"`
	SharedCost                    *PhoneNumberDesc `json:"shared_cost,omitempty"`
	PersonalNumber                *PhoneNumberDesc `json:"personal_number,omitempty"`
	Voip                          *PhoneNumberDesc `json:"voip,omitempty"`
	Pager                         *PhoneNumberDesc `json:"pager,omitempty"`
	Uan                           *PhoneNumberDesc `json:"uan,omitempty"`
	Emergency                     *PhoneNumberDesc `json:"emergency,omitempty"`
	Voicemail                     *PhoneNumberDesc `json:"voicemail,omitempty"`
	ShortCode                     *PhoneNumberDesc `json:"short_code,omitempty"`
	StandardRate                  *PhoneNumberDesc `json:"standard_rate,omitempty"`
	CarrierSpecific               *PhoneNumberDesc `json:"carrier_specific,omitempty"`
	SmsServices                   *PhoneNumberDesc `json:"sms_services,omitempty"`
	NoInternationalDialling       *PhoneNumberDesc `json:"no_international_dialling,omitempty"`
	Id                            *string          `json:"id,omitempty"`
	CountryCode                   *int32           `json:"country_code,omitempty"`
	InternationalPrefix           *string          `json:"international_prefix,omitempty"`
	PreferredInternationalPrefix  *string          `json:"preferred_international_prefix,omitempty"`
	NationalPrefix                *string          `json:"national_prefix,omitempty"`
	PreferredExtnPrefix           *string          `json:"preferred_extn_prefix,omitempty"`
	NationalPrefixForParsing      *string          `json:"national_prefix_for_parsing,omitempty"`
	NationalPrefixTransformRule   *string          `json:"national_prefix_transform_rule,omitempty"`
	SameMobileAndFixedLinePattern *bool            `json:"same_mobile_and_fixed_line_pattern,omitempty"`
	NumberFormat                  []*NumberFormat  `json:"number_format,omitempty"`
	IntlNumberFormat              []*NumberFormat  `json:"intl_number_format,omitempty"`
	MainCountryForCode            *bool            `json:"main_country_for_code,omitempty"`
	LeadingDigits                 *string          `json:"leading_digits,omitempty"`
	LeadingZeroPossible           *bool            `json:"leading_zero_possible,omitempty"`
	MobileNumberPortableRegion    *bool            `json:"mobile_number_portable_region,omitempty"`
}

const Default_PhoneMetadata_SameMobileAndFixedLinePattern = bool(false)

const Default_PhoneMetadata_MainCountryForCode = bool(false)

const Default_PhoneMetadata_LeadingZeroPossible = bool(false)

const Default_PhoneMetadata_MobileNumberPortableRegion = bool(false)

func (x *PhoneMetadata) GetGeneralDesc() *PhoneNumberDesc {
	if x != nil {
		return x.GeneralDesc
	}
	return nil
}

func (x *PhoneMetadata) GetFixedLine() *PhoneNumberDesc {
	if x != nil {
		return x.FixedLine
	}
	return nil
}

func (x *PhoneMetadata) GetMobile() *PhoneNumberDesc {
	if x != nil {
		return x.Mobile
	}
	return nil
}

func (x *PhoneMetadata) GetTollFree() *PhoneNumberDesc {
	if x != nil {
		return x.TollFree
	}
	return nil
}

func (x *PhoneMetadata) GetPremiumRate() *PhoneNumberDesc {
	if x != nil {
		return x.PremiumRate
	}
	return nil
}

func (x *PhoneMetadata) GetSharedCost() *PhoneNumberDesc {
	if x != nil {
		return x.SharedCost
	}
	return nil
}

func (x *PhoneMetadata) GetPersonalNumber() *PhoneNumberDesc {
	if x != nil {
		return x.PersonalNumber
	}
	return nil
}

func (x *PhoneMetadata) GetVoip() *PhoneNumberDesc {
	if x != nil {
		return x.Voip
	}
	return nil
}

func (x *PhoneMetadata) GetPager() *PhoneNumberDesc {
	if x != nil {
		return x.Pager
	}
	return nil
}

func (x *PhoneMetadata) GetUan() *PhoneNumberDesc {
	if x != nil {
		return x.Uan
	}
	return nil
}

func (x *PhoneMetadata) GetEmergency() *PhoneNumberDesc {
	if x != nil {
		return x.Emergency
	}
	return nil
}

func (x *PhoneMetadata) GetVoicemail() *PhoneNumberDesc {
	if x != nil {
		return x.Voicemail
	}
	return nil
}

func (x *PhoneMetadata) GetShortCode() *PhoneNumberDesc {
	if x != nil {
		return x.ShortCode
	}
	return nil
}

func (x *PhoneMetadata) GetStandardRate() *PhoneNumberDesc {
	if x != nil {
		return x.StandardRate
	}
	return nil
}

func (x *PhoneMetadata) GetCarrierSpecific() *PhoneNumberDesc {
	if x != nil {
		return x.CarrierSpecific
	}
	return nil
}

func (x *PhoneMetadata) GetSmsServices() *PhoneNumberDesc {
	if x != nil {
		return x.SmsServices
	}
	return nil
}

func (x *PhoneMetadata) GetNoInternationalDialling() *PhoneNumberDesc {
	if x != nil {
		return x.NoInternationalDialling
	}
	return nil
}

func (x *PhoneMetadata) GetId() string {
	if x != nil && x.Id != nil {
		return *x.Id
	}
	return ""
}

func (x *PhoneMetadata) GetCountryCode() int32 {
	if x != nil && x.CountryCode != nil {
		return *x.CountryCode
	}
	return 0
}

func (x *PhoneMetadata) GetInternationalPrefix() string {
	if x != nil && x.InternationalPrefix != nil {
		return *x.InternationalPrefix
	}
	return ""
}

func (x *PhoneMetadata) GetPreferredInternationalPrefix() string {
	if x != nil && x.PreferredInternationalPrefix != nil {
		return *x.PreferredInternationalPrefix
	}
	return ""
}

func (x *PhoneMetadata) GetNationalPrefix() string {
	if x != nil && x.NationalPrefix != nil {
		return *x.NationalPrefix
	}
	return ""
}

func (x *PhoneMetadata) GetPreferredExtnPrefix() string {
	if x != nil && x.PreferredExtnPrefix != nil {
		return *x.PreferredExtnPrefix
	}
	return ""
}

func (x *PhoneMetadata) GetNationalPrefixForParsing() string {
	if x != nil && x.NationalPrefixForParsing != nil {
		return *x.NationalPrefixForParsing
	}
	return ""
}

func (x *PhoneMetadata) GetNationalPrefixTransformRule() string {
	if x != nil && x.NationalPrefixTransformRule != nil {
		return *x.NationalPrefixTransformRule
	}
	return ""
}

func (x *PhoneMetadata) GetSameMobileAndFixedLinePattern() bool {
	if x != nil && x.SameMobileAndFixedLinePattern != nil {
		return *x.SameMobileAndFixedLinePattern
	}
	return Default_PhoneMetadata_SameMobileAndFixedLinePattern
}

func (x *PhoneMetadata) GetNumberFormat() []*NumberFormat {
	if x != nil {
		return x.NumberFormat
	}
	return nil
}

func (x *PhoneMetadata) GetIntlNumberFormat() []*NumberFormat {
	if x != nil {
		return x.IntlNumberFormat
	}
	return nil
}

func (x *PhoneMetadata) GetMainCountryForCode() bool {
	if x != nil && x.MainCountryForCode != nil {
		return *x.MainCountryForCode
	}
	return Default_PhoneMetadata_MainCountryForCode
}

func (x *PhoneMetadata) GetLeadingDigits() string {
	if x != nil && x.LeadingDigits != nil {
		return *x.LeadingDigits
	}
	return ""
}

func (x *PhoneMetadata) GetLeadingZeroPossible() bool {
	if x != nil && x.LeadingZeroPossible != nil {
		return *x.LeadingZeroPossible
	}
	return Default_PhoneMetadata_LeadingZeroPossible
}

func (x *PhoneMetadata) GetMobileNumberPortableRegion() bool {
	if x != nil && x.MobileNumberPortableRegion != nil {
		return *x.MobileNumberPortableRegion
	}
	return Default_PhoneMetadata_MobileNumberPortableRegion
}

type PhoneMetadataCollection struct {
	Metadata []*PhoneMetadata `json:"metadata,omitempty"`
}

func (x *PhoneMetadataCollection) GetMetadata() []*PhoneMetadata {
	if x != nil {
		return x.Metadata
	}
	return nil
}

type PhoneNumber struct {
	CountryCode                  *int32                         `json:"country_code,omitempty"`
	NationalNumber               *uint64                        `json:"national_number,omitempty"`
	Extension                    *string                        `json:"extension,omitempty"`
	ItalianLeadingZero           *bool                          `json:"italian_leading_zero,omitempty"`
	NumberOfLeadingZeros         *int32                         `json:"number_of_leading_zeros,omitempty"`
	RawInput                     *string                        `json:"raw_input,omitempty"`
	CountryCodeSource            *PhoneNumber_CountryCodeSource `json:"country_code_source,omitempty"`
	PreferredDomesticCarrierCode *string                        `json:"preferred_domestic_carrier_code,omitempty"`
}

const Default_PhoneNumber_NumberOfLeadingZeros = int32(1)

func (x *PhoneNumber) GetCountryCode() int32 {
	if x != nil && x.CountryCode != nil {
		return *x.CountryCode
	}
	return 0
}

func (x *PhoneNumber) GetNationalNumber() uint64 {
	if x != nil && x.NationalNumber != nil {
		return *x.NationalNumber
	}
	return 0
}

func (x *PhoneNumber) GetExtension() string {
	if x != nil && x.Extension != nil {
		return *x.Extension
	}
	return ""
}

func (x *PhoneNumber) GetItalianLeadingZero() bool {
	if x != nil && x.ItalianLeadingZero != nil {
		return *x.ItalianLeadingZero
	}
	return false
}

func (x *PhoneNumber) GetNumberOfLeadingZeros() int32 {
	if x != nil && x.NumberOfLeadingZeros != nil {
		return *x.NumberOfLeadingZeros
	}
	return Default_PhoneNumber_NumberOfLeadingZeros
}

func (x *PhoneNumber) GetRawInput() string {
	if x != nil && x.RawInput != nil {
		return *x.RawInput
	}
	return ""
}

func (x *PhoneNumber) GetCountryCodeSource() PhoneNumber_CountryCodeSource {
	if x != nil && x.CountryCodeSource != nil {
		return *x.CountryCodeSource
	}
	return PhoneNumber_UNSPECIFIED
}

func (x *PhoneNumber) GetPreferredDomesticCarrierCode() string {
	if x != nil && x.PreferredDomesticCarrierCode != nil {
		return *x.PreferredDomesticCarrierCode
	}
	return ""
}

// errWireType is a field of the wire format with a type its message does
// not give it.
var errWireType = fmt.Errorf("phonenumbers: unexpected wire type")

// consumeField reads the tag of the next field of b and returns its number,
// its type and the rest of b after the tag.
func consumeField(b []byte) (protowire.Number, protowire.Type, []byte, error) {
	num, typ, n := protowire.ConsumeTag(b)
	if n < 0 {
		return 0, 0, nil, protowire.ParseError(n)
	}
	return num, typ, b[n:], nil
}

// skipField skips a field's value that the message does not know.
func skipField(num protowire.Number, typ protowire.Type, b []byte) ([]byte, error) {
	n := protowire.ConsumeFieldValue(num, typ, b)
	if n < 0 {
		return nil, protowire.ParseError(n)
	}
	return b[n:], nil
}

func consumeBytes(typ protowire.Type, b []byte) ([]byte, []byte, error) {
	if typ != protowire.BytesType {
		return nil, nil, errWireType
	}
	v, n := protowire.ConsumeBytes(b)
	if n < 0 {
		return nil, nil, protowire.ParseError(n)
	}
	return v, b[n:], nil
}

func consumeVarint(typ protowire.Type, b []byte) (uint64, []byte, error) {
	if typ != protowire.VarintType {
		return 0, nil, errWireType
	}
	v, n := protowire.ConsumeVarint(b)
	if n < 0 {
		return 0, nil, protowire.ParseError(n)
	}
	return v, b[n:], nil
}

// appendInt32s appends a repeated int32 field's values, packed or not.
func appendInt32s(dst []int32, typ protowire.Type, b []byte) ([]int32, []byte, error) {
	if typ == protowire.BytesType {
		packed, rest, err := consumeBytes(typ, b)
		if err != nil {
			return nil, nil, err
		}
		for len(packed) > 0 {
			v, n := protowire.ConsumeVarint(packed)
			if n < 0 {
				return nil, nil, protowire.ParseError(n)
			}
			dst = append(dst, int32(v))
			packed = packed[n:]
		}
		return dst, rest, nil
	}
	v, rest, err := consumeVarint(typ, b)
	if err != nil {
		return nil, nil, err
	}
	return append(dst, int32(v)), rest, nil
}

// unmarshal decodes b, a NumberFormat in the wire format, into x.
func (x *NumberFormat) unmarshal(b []byte) error {
	for len(b) > 0 {
		num, typ, rest, err := consumeField(b)
		if err != nil {
			return err
		}
		b = rest
		switch num {
		case 1:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			s := string(v)
			x.Pattern, b = &s, rest
		case 2:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			s := string(v)
			x.Format, b = &s, rest
		case 3:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			x.LeadingDigitsPattern, b = append(x.LeadingDigitsPattern, string(v)), rest
		case 4:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			s := string(v)
			x.NationalPrefixFormattingRule, b = &s, rest
		case 6:
			v, rest, err := consumeVarint(typ, b)
			if err != nil {
				return err
			}
			val := protowire.DecodeBool(v)
			x.NationalPrefixOptionalWhenFormatting, b = &val, rest
		case 5:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			s := string(v)
			x.DomesticCarrierCodeFormattingRule, b = &s, rest
		default:
			if b, err = skipField(num, typ, b); err != nil {
				return err
			}
		}
	}
	return nil
}

// unmarshal decodes b, a PhoneNumberDesc in the wire format, into x.
func (x *PhoneNumberDesc) unmarshal(b []byte) error {
	for len(b) > 0 {
		num, typ, rest, err := consumeField(b)
		if err != nil {
			return err
		}
		b = rest
		switch num {
		case 2:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			s := string(v)
			x.NationalNumberPattern, b = &s, rest
		case 9:
			if x.PossibleLength, b, err = appendInt32s(x.PossibleLength, typ, b); err != nil {
				return err
			}
		case 10:
			if x.PossibleLengthLocalOnly, b, err = appendInt32s(x.PossibleLengthLocalOnly, typ, b); err != nil {
				return err
			}
		case 6:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			s := string(v)
			x.ExampleNumber, b = &s, rest
		default:
			if b, err = skipField(num, typ, b); err != nil {
				return err
			}
		}
	}
	return nil
}

// unmarshal decodes b, a PhoneMetadata in the wire format, into x.
func (x *PhoneMetadata) unmarshal(b []byte) error {
	for len(b) > 0 {
		num, typ, rest, err := consumeField(b)
		if err != nil {
			return err
		}
		b = rest
		switch num {
		case 1:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			if x.GeneralDesc == nil {
				x.GeneralDesc = &PhoneNumberDesc{}
			}
			if err := x.GeneralDesc.unmarshal(v); err != nil {
				return err
			}
			b = rest
		case 2:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			if x.FixedLine == nil {
				x.FixedLine = &PhoneNumberDesc{}
			}
			if err := x.FixedLine.unmarshal(v); err != nil {
				return err
			}
			b = rest
		case 3:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			if x.Mobile == nil {
				x.Mobile = &PhoneNumberDesc{}
			}
			if err := x.Mobile.unmarshal(v); err != nil {
				return err
			}
			b = rest
		case 4:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			if x.TollFree == nil {
				x.TollFree = &PhoneNumberDesc{}
			}
			if err := x.TollFree.unmarshal(v); err != nil {
				return err
			}
			b = rest
		case 5:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			if x.PremiumRate == nil {
				x.PremiumRate = &PhoneNumberDesc{}
			}
			if err := x.PremiumRate.unmarshal(v); err != nil {
				return err
			}
			b = rest
		case 6:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			if x.SharedCost == nil {
				x.SharedCost = &PhoneNumberDesc{}
			}
			if err := x.SharedCost.unmarshal(v); err != nil {
				return err
			}
			b = rest
		case 7:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			if x.PersonalNumber == nil {
				x.PersonalNumber = &PhoneNumberDesc{}
			}
			if err := x.PersonalNumber.unmarshal(v); err != nil {
				return err
			}
			b = rest
		case 8:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			if x.Voip == nil {
				x.Voip = &PhoneNumberDesc{}
			}
			if err := x.Voip.unmarshal(v); err != nil {
				return err
			}
			b = rest
		case 21:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			if x.Pager == nil {
				x.Pager = &PhoneNumberDesc{}
			}
			if err := x.Pager.unmarshal(v); err != nil {
				return err
			}
			b = rest
		case 25:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			if x.Uan == nil {
				x.Uan = &PhoneNumberDesc{}
			}
			if err := x.Uan.unmarshal(v); err != nil {
				return err
			}
			b = rest
		case 27:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			if x.Emergency == nil {
				x.Emergency = &PhoneNumberDesc{}
			}
			if err := x.Emergency.unmarshal(v); err != nil {
				return err
			}
			b = rest
		case 28:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			if x.Voicemail == nil {
				x.Voicemail = &PhoneNumberDesc{}
			}
			if err := x.Voicemail.unmarshal(v); err != nil {
				return err
			}
			b = rest
		case 29:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			if x.ShortCode == nil {
				x.ShortCode = &PhoneNumberDesc{}
			}
			if err := x.ShortCode.unmarshal(v); err != nil {
				return err
			}
			b = rest
		case 30:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			if x.StandardRate == nil {
				x.StandardRate = &PhoneNumberDesc{}
			}
			if err := x.StandardRate.unmarshal(v); err != nil {
				return err
			}
			b = rest
		case 31:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			if x.CarrierSpecific == nil {
				x.CarrierSpecific = &PhoneNumberDesc{}
			}
			if err := x.CarrierSpecific.unmarshal(v); err != nil {
				return err
			}
			b = rest
		case 33:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			if x.SmsServices == nil {
				x.SmsServices = &PhoneNumberDesc{}
			}
			if err := x.SmsServices.unmarshal(v); err != nil {
				return err
			}
			b = rest
		case 24:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			if x.NoInternationalDialling == nil {
				x.NoInternationalDialling = &PhoneNumberDesc{}
			}
			if err := x.NoInternationalDialling.unmarshal(v); err != nil {
				return err
			}
			b = rest
		case 9:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			s := string(v)
			x.Id, b = &s, rest
		case 10:
			v, rest, err := consumeVarint(typ, b)
			if err != nil {
				return err
			}
			val := int32(v)
			x.CountryCode, b = &val, rest
		case 11:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			s := string(v)
			x.InternationalPrefix, b = &s, rest
		case 17:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			s := string(v)
			x.PreferredInternationalPrefix, b = &s, rest
		case 12:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			s := string(v)
			x.NationalPrefix, b = &s, rest
		case 13:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			s := string(v)
			x.PreferredExtnPrefix, b = &s, rest
		case 15:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			s := string(v)
			x.NationalPrefixForParsing, b = &s, rest
		case 16:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			s := string(v)
			x.NationalPrefixTransformRule, b = &s, rest
		case 18:
			v, rest, err := consumeVarint(typ, b)
			if err != nil {
				return err
			}
			val := protowire.DecodeBool(v)
			x.SameMobileAndFixedLinePattern, b = &val, rest
		case 19:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			m := &NumberFormat{}
			if err := m.unmarshal(v); err != nil {
				return err
			}
			x.NumberFormat, b = append(x.NumberFormat, m), rest
		case 20:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			m := &NumberFormat{}
			if err := m.unmarshal(v); err != nil {
				return err
			}
			x.IntlNumberFormat, b = append(x.IntlNumberFormat, m), rest
		case 22:
			v, rest, err := consumeVarint(typ, b)
			if err != nil {
				return err
			}
			val := protowire.DecodeBool(v)
			x.MainCountryForCode, b = &val, rest
		case 23:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			s := string(v)
			x.LeadingDigits, b = &s, rest
		case 26:
			v, rest, err := consumeVarint(typ, b)
			if err != nil {
				return err
			}
			val := protowire.DecodeBool(v)
			x.LeadingZeroPossible, b = &val, rest
		case 32:
			v, rest, err := consumeVarint(typ, b)
			if err != nil {
				return err
			}
			val := protowire.DecodeBool(v)
			x.MobileNumberPortableRegion, b = &val, rest
		default:
			if b, err = skipField(num, typ, b); err != nil {
				return err
			}
		}
	}
	return nil
}

// unmarshal decodes b, a PhoneMetadataCollection in the wire format, into x.
func (x *PhoneMetadataCollection) unmarshal(b []byte) error {
	for len(b) > 0 {
		num, typ, rest, err := consumeField(b)
		if err != nil {
			return err
		}
		b = rest
		switch num {
		case 1:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			m := &PhoneMetadata{}
			if err := m.unmarshal(v); err != nil {
				return err
			}
			x.Metadata, b = append(x.Metadata, m), rest
		default:
			if b, err = skipField(num, typ, b); err != nil {
				return err
			}
		}
	}
	return nil
}

// unmarshal decodes b, a PhoneNumber in the wire format, into x.
func (x *PhoneNumber) unmarshal(b []byte) error {
	for len(b) > 0 {
		num, typ, rest, err := consumeField(b)
		if err != nil {
			return err
		}
		b = rest
		switch num {
		case 1:
			v, rest, err := consumeVarint(typ, b)
			if err != nil {
				return err
			}
			val := int32(v)
			x.CountryCode, b = &val, rest
		case 2:
			v, rest, err := consumeVarint(typ, b)
			if err != nil {
				return err
			}
			val := v
			x.NationalNumber, b = &val, rest
		case 3:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			s := string(v)
			x.Extension, b = &s, rest
		case 4:
			v, rest, err := consumeVarint(typ, b)
			if err != nil {
				return err
			}
			val := protowire.DecodeBool(v)
			x.ItalianLeadingZero, b = &val, rest
		case 8:
			v, rest, err := consumeVarint(typ, b)
			if err != nil {
				return err
			}
			val := int32(v)
			x.NumberOfLeadingZeros, b = &val, rest
		case 5:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			s := string(v)
			x.RawInput, b = &s, rest
		case 6:
			v, rest, err := consumeVarint(typ, b)
			if err != nil {
				return err
			}
			val := PhoneNumber_CountryCodeSource(v)
			x.CountryCodeSource, b = &val, rest
		case 7:
			v, rest, err := consumeBytes(typ, b)
			if err != nil {
				return err
			}
			s := string(v)
			x.PreferredDomesticCarrierCode, b = &s, rest
		default:
			if b, err = skipField(num, typ, b); err != nil {
				return err
			}
		}
	}
	return nil
}

// mergeFrom merges src into x as proto.Merge does: each field set in src
// replaces x's, and repeated fields are appended.
func (x *NumberFormat) mergeFrom(src *NumberFormat) {
	if src.Pattern != nil {
		v := *src.Pattern
		x.Pattern = &v
	}
	if src.Format != nil {
		v := *src.Format
		x.Format = &v
	}
	x.LeadingDigitsPattern = append(x.LeadingDigitsPattern, src.LeadingDigitsPattern...)
	if src.NationalPrefixFormattingRule != nil {
		v := *src.NationalPrefixFormattingRule
		x.NationalPrefixFormattingRule = &v
	}
	if src.NationalPrefixOptionalWhenFormatting != nil {
		v := *src.NationalPrefixOptionalWhenFormatting
		x.NationalPrefixOptionalWhenFormatting = &v
	}
	if src.DomesticCarrierCodeFormattingRule != nil {
		v := *src.DomesticCarrierCodeFormattingRule
		x.DomesticCarrierCodeFormattingRule = &v
	}
}

// mergeFrom merges src into x as proto.Merge does: each field set in src
// replaces x's, and repeated fields are appended.
func (x *PhoneNumber) mergeFrom(src *PhoneNumber) {
	if src.CountryCode != nil {
		v := *src.CountryCode
		x.CountryCode = &v
	}
	if src.NationalNumber != nil {
		v := *src.NationalNumber
		x.NationalNumber = &v
	}
	if src.Extension != nil {
		v := *src.Extension
		x.Extension = &v
	}
	if src.ItalianLeadingZero != nil {
		v := *src.ItalianLeadingZero
		x.ItalianLeadingZero = &v
	}
	if src.NumberOfLeadingZeros != nil {
		v := *src.NumberOfLeadingZeros
		x.NumberOfLeadingZeros = &v
	}
	if src.RawInput != nil {
		v := *src.RawInput
		x.RawInput = &v
	}
	if src.CountryCodeSource != nil {
		v := *src.CountryCodeSource
		x.CountryCodeSource = &v
	}
	if src.PreferredDomesticCarrierCode != nil {
		v := *src.PreferredDomesticCarrierCode
		x.PreferredDomesticCarrierCode = &v
	}
}

// mergeFrom merges src into x as proto.Merge does: each field set in src
// replaces x's, and repeated fields are appended.
func (x *PhoneNumberDesc) mergeFrom(src *PhoneNumberDesc) {
	if src.NationalNumberPattern != nil {
		v := *src.NationalNumberPattern
		x.NationalNumberPattern = &v
	}
	x.PossibleLength = append(x.PossibleLength, src.PossibleLength...)
	x.PossibleLengthLocalOnly = append(x.PossibleLengthLocalOnly, src.PossibleLengthLocalOnly...)
	if src.ExampleNumber != nil {
		v := *src.ExampleNumber
		x.ExampleNumber = &v
	}
}

// ptr returns a pointer to a copy of v, for the optional fields.
func ptr[T any](v T) *T { return &v }
