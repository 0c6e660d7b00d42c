package appointment

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestGreetingName(t *testing.T) {
	tests := []struct {
		in     string
		want   string
		wantOK bool
	}{
		// Given names as people write them, in many scripts.
		{"Jordan", "Jordan", true},
		{"  Jordan ", "Jordan", true},
		{"Mary Ann", "Mary Ann", true},
		{"Mary  Ann", "Mary Ann", true},
		{"山田\u3000花子", "山田 花子", true},
		{"Mary\tAnn", "", false},
		{"José", "José", true},
		{"Zoë", "Zoë", true},
		{"Zoe\u0308", "Zoe\u0308", true}, // e followed by a combining diaeresis
		{"Łukasz", "Łukasz", true},
		{"Søren", "Søren", true},
		{"Nguyễn Thị", "Nguyễn Thị", true},
		{"Анна", "Анна", true},
		{"Алёна", "Алёна", true},
		{"Мария-Луиза", "Мария-Луиза", true},
		{"Αλέξανδρος", "Αλέξανδρος", true},
		{"Ἀλέξανδρος", "Ἀλέξανδρος", true},
		{"明", "明", true},
		{"太郎", "太郎", true},
		{"欧阳娜娜", "欧阳娜娜", true}, // four characters: a two-character surname and given name
		{"一郎", "一郎", true},     // a numeral in a name, not a number
		{"七海", "七海", true},
		{"さくら", "さくら", true},
		{"さくら子", "さくら子", true}, // Hiragana with Han, as Japanese is written
		{"ユウキ", "ユウキ", true},
		{"김민준", "김민준", true},
		{"محمد", "محمد", true},
		{"דוד", "דוד", true},
		{"देवी", "देवी", true}, // Devanagari, with spacing combining marks
		{"ศรีสุดา", "ศรีสุดา", true},
		{"O'Brien", "O'Brien", true},
		{"D’Angelo", "D’Angelo", true},
		{"Jean-Luc", "Jean-Luc", true},
		{"Åsa-Marie", "Åsa-Marie", true},
		{"J. R.", "J. R.", true},
		{"Mary J.", "Mary J.", true},
		{"DeShawn", "DeShawn", true},
		{"MacKenzie", "MacKenzie", true},
		{"JORDAN", "JORDAN", true},
		{"jordan", "jordan", true},
		{"ʻIolani", "ʻIolani", true}, // the Hawaiian ʻokina is a letter
		{"กาญจนาภรณ์", "กาญจนาภรณ์", true},
		{"สมชาย ใจดี", "สมชาย ใจดี", true},
		{"फ़ातिमा", "फ़ातिमा", true},
		// Two words the length of a name cannot be told from one by their
		// shape.
		{"Call now", "Call now", true},
		{"abcdefghijklmnopqrstuvwxyzabcd", "abcdefghijklmnopqrstuvwxyzabcd", true},

		// Anything else.
		{"abcdefghijklmnopqrstuvwxyzabcde", "", false},
		{"", "", false},
		{" ", "", false},
		{"-", "", false},
		{"'", "", false},
		{".", "", false},
		{"J0rdan123", "", false},
		{"Jordan2", "", false},
		{"http://x", "", false},
		{"https://scam.example/refund", "", false},
		{"Http", "", false},
		{"www", "", false},
		{"Visit www", "", false},
		{"Claim refund at scam.io", "", false},
		{"Claim refund scam.io", "", false},
		{"scam.io", "", false},
		{"SCAM.IO", "", false},
		{"a.b", "", false},
		{"J.R.", "", false},
		{"Mr.Smith", "", false},
		{"Mr. Smith", "", false},
		{"Jordan.", "", false},
		{"bit.ly/x", "", false},
		{"win $100", "", false},
		{"Call 555-0100", "", false},
		{"jordan@example", "", false},
		{"@jordan", "", false},
		{"Jordan!", "", false},
		{"Jordan?", "", false},
		{"Jordan, call", "", false},
		{"<b>Jordan</b>", "", false},
		{"Jordan\nRivera", "", false},
		{"Jordan 😀", "", false},
		{"😀", "", false},
		{"Jordan ❤", "", false},
		{"Ana Maria Luísa", "", false},
		{"Ana Maria Luísa Sofia", "", false},
		{"Refund Approved Today", "", false},
		{"RefundApprovedToday", "", false},
		{"Refund-Approved-Today", "", false},
		{"Jean-Luc-Marie", "", false},
		{"jORDAN", "", false},
		// Scripts written without spaces: a Chinese, Japanese or Korean
		// given name is one to four characters, and the scripts of
		// Southeast Asia fit a name in ten letters.
		{"退款请拨打四零零八二零零三三", "", false},  // "for a refund dial 400-820-0033"
		{"请加微信kefuvip领取退款", "", false}, // "add WeChat kefuvip to get a refund"
		{"恭喜您获得退款", "", false},
		{"欧阳娜娜娜", "", false},
		{"退款\u3000请致电", "", false},
		{"へんきんはこちら", "", false},
		{"환불받으세요", "", false},
		{"คุณได้รับเงินคืนแล้ว", "", false}, // "you have received your refund"
		{"คืนเงินโทรด่วน", "", false},
		// Numerals of any script: Han numerals are letters to Unicode,
		// and two in a row write a number.
		{"四零零八", "", false},
		{"一二三", "", false},
		{"五万", "", false},
		{"肆零零捌", "", false},
		{"８００", "", false}, // full-width digits
		{"٤٠٠", "", false}, // Arabic-Indic digits
		{"४००", "", false}, // Devanagari digits
		{"๔๐๐", "", false}, // Thai digits
		// Latin with Chinese, Japanese or Korean: a name is written in
		// one of them.
		{"李Na", "", false},
		{"客服vip", "", false},
		{"ラインID", "", false},
		{"카톡ID", "", false},
		{"ーー", "", false}, // letters of no script
		{"Get your free refund now", "", false},
		{"Jean--Luc", "", false},
		{"Jean-", "", false},
		{"-Jean", "", false},
		{"O'", "", false},
		{"Jean-'Luc", "", false},
		{"\u0301Jordan", "", false}, // a combining mark with no letter to sit on
		{"J\u200bordan", "", false},
		{"P\u0430ypal", "", false}, // Latin with a Cyrillic а
		{"Αlex", "", false},        // Greek Alpha with Latin
		{"김さくら", "", false},        // Hangul with Hiragana
		{"١٢٣", "", false},         // Arabic-Indic digits
		{"Ⅻ", "", false},           // a Roman numeral, which is a number, not a letter
		{"Jordan_Rivera", "", false},
		{"Jordan/Rivera", "", false},
		{"Jordan·Rivera", "", false},
	}
	for _, tt := range tests {
		got, ok := GreetingName(tt.in)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("GreetingName(%+q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

// TestGreetingNameAcceptsValidatedNames checks that the names the form
// accepts in TestUnicodeNames are greeted by name.
func TestGreetingNameAcceptsValidatedNames(t *testing.T) {
	for _, name := range []string{"Zoë", "José", "Nguyễn", "Søren", "Åsa-Marie", "O'Brien", "李", "محمد", "Ἀλέξανδρος", "Łukasz", "Zoë O'Brien-Šimić"} {
		if got, ok := GreetingName(name); !ok || got != strings.TrimSpace(name) {
			t.Errorf("GreetingName(%q) = %q, %v; want the name", name, got, ok)
		}
	}
}

// TestGreetingNameCorpus holds the rule to names and to spam in many
// languages: every given name in testdata/given-names.txt is greeted by
// name, as written, and nothing in testdata/spam-names.txt is. The counts
// keep the corpus from shrinking to a few easy cases.
func TestGreetingNameCorpus(t *testing.T) {
	tests := []struct {
		file       string
		wantOK     bool
		minEntries int
		minGroups  int
	}{
		{"given-names.txt", true, 60, 15},
		{"spam-names.txt", false, 50, 8},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			entries := readCorpus(t, filepath.Join("testdata", tt.file))
			groups := map[string]bool{}
			for _, e := range entries {
				groups[e.group] = true
				got, ok := GreetingName(e.text)
				want := ""
				if tt.wantOK {
					want = e.text
				}
				if got != want || ok != tt.wantOK {
					t.Errorf("%s: GreetingName(%+q) = %q, %v; want %q, %v", e.group, e.text, got, ok, want, tt.wantOK)
				}
			}
			if len(entries) < tt.minEntries || len(groups) < tt.minGroups {
				t.Errorf("%d entries in %d languages or cultures, want at least %d in %d", len(entries), len(groups), tt.minEntries, tt.minGroups)
			}
		})
	}
}

type corpusEntry struct {
	group string // the culture of a name or the language of a sentence
	text  string
}

// readCorpus reads lines of a group, a tab and a text, skipping blank
// lines and comments.
func readCorpus(t *testing.T, path string) []corpusEntry {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var entries []corpusEntry
	s := bufio.NewScanner(f)
	for n := 1; s.Scan(); n++ {
		line := s.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		group, text, ok := strings.Cut(line, "\t")
		if !ok || group == "" || text == "" {
			t.Fatalf("%s:%d: want a group, a tab and a text: %q", path, n, line)
		}
		entries = append(entries, corpusEntry{group, text})
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	return entries
}

// FuzzGreetingName checks what holds for any name that is greeted: it is
// at most two words and thirty characters of letters, marks and the
// punctuation of names, with no number of any script; when it has a
// Chinese, Japanese or Korean character it has at most four letters and
// no Latin one; and it is greeted as it is returned.
func FuzzGreetingName(f *testing.F) {
	for _, s := range []string{"Jordan", "Mary J.", "O'Brien-Šimić", "山田\u3000花子", "请加微信kefuvip领取退款", "四零零八", "ศรีสุดา", "RefundApprovedToday", "Ｊｏｒｄａｎ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, ok := GreetingName(in)
		if !ok {
			if got != "" {
				t.Errorf("GreetingName(%+q) = %q, false; want no name", in, got)
			}
			return
		}
		if again, ok := GreetingName(got); again != got || !ok {
			t.Errorf("GreetingName(%+q) = %q, but that gives %q, %v", in, got, again, ok)
		}
		if n := utf8.RuneCountInString(got); n > 30 {
			t.Errorf("GreetingName(%+q) = %q: %d characters", in, got, n)
		}
		if n := len(strings.Fields(got)); n > 2 {
			t.Errorf("GreetingName(%+q) = %q: %d words", in, got, n)
		}
		var letters, cjk, latin int
		for _, r := range got {
			switch {
			case unicode.IsLetter(r):
				letters++
			case unicode.IsMark(r), strings.ContainsRune(" -'\u2019.", r):
			default:
				t.Errorf("GreetingName(%+q) = %q, which holds %+q", in, got, r)
			}
			if unicode.IsNumber(r) {
				t.Errorf("GreetingName(%+q) = %q, which holds the number %+q", in, got, r)
			}
			if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) {
				cjk++
			}
			if unicode.Is(unicode.Latin, r) {
				latin++
			}
		}
		if cjk > 0 && (letters > 4 || latin > 0) {
			t.Errorf("GreetingName(%+q) = %q: %d letters, %d of them Latin", in, got, letters, latin)
		}
	})
}
