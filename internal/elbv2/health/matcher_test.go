package health

import "testing"

func TestParseMatcher(t *testing.T) {
	tests := []struct {
		in      string
		match   []int
		noMatch []int
		wantErr bool
	}{
		{in: "200", match: []int{200}, noMatch: []int{201, 199, 503}},
		{in: "200,202", match: []int{200, 202}, noMatch: []int{201, 203}},
		{in: "200-299", match: []int{200, 250, 299}, noMatch: []int{199, 300}},
		{in: " 200 , 300-302 ", match: []int{200, 300, 302}, noMatch: []int{303}},
		{in: "", match: []int{200, 302, 399}, noMatch: []int{400, 503}},
		{in: "abc", wantErr: true},
		{in: "299-200", wantErr: true},
		{in: "200,", wantErr: true},
		{in: "99", wantErr: true},
	}
	for _, tt := range tests {
		m, err := parseMatcher(tt.in)
		if (err != nil) != tt.wantErr {
			t.Fatalf("parseMatcher(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
		}
		for _, c := range tt.match {
			if !m.matches(c) {
				t.Errorf("%q does not match %d", tt.in, c)
			}
		}
		for _, c := range tt.noMatch {
			if m.matches(c) {
				t.Errorf("%q matches %d", tt.in, c)
			}
		}
	}
}

func FuzzParseMatcher(f *testing.F) {
	for _, s := range []string{"200", "200,202", "200-299", "", "200-399,500"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := parseMatcher(s)
		if err != nil {
			return
		}
		for _, r := range m {
			if r.lo > r.hi || r.lo < 100 || r.hi > 599 {
				t.Fatalf("parseMatcher(%q) accepted range %v", s, r)
			}
		}
	})
}
