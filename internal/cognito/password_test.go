package cognito

import (
	"strings"
	"testing"
	"time"
)

// TestLockoutDurations: 2^(n-5) seconds after n failures (n ≥ 5), at most
// 15 minutes (reached at n = 15); 15 quiet minutes, which waiting out that
// lockout is, start over.
func TestLockoutDurations(t *testing.T) {
	start := time.Unix(1_700_000_000, 0)
	var l lockout
	now := start
	for n := 1; n <= 15; n++ {
		l = l.fail(now)
		got := time.UnixMilli(l.Until).Sub(now)
		var want time.Duration
		if n >= 5 {
			want = min(time.Duration(1<<(n-5))*time.Second, 15*time.Minute)
		}
		if n < 5 && l.Until != 0 || n >= 5 && got != want {
			t.Fatalf("after %d failures: locked %v, want %v", n, got, want)
		}
		// The next attempt comes when the lockout is over.
		now = time.UnixMilli(max(l.Until, now.UnixMilli())).Add(time.Millisecond)
	}
	if !l.locked(time.UnixMilli(l.Until-1)) || l.locked(time.UnixMilli(l.Until)) {
		t.Fatal("locked() disagrees with Until")
	}
	quiet := time.UnixMilli(l.LastFailure).Add(15 * time.Minute)
	if l = l.fail(quiet); l.Failures != 1 || l.Until != 0 {
		t.Fatalf("after 15 quiet minutes: %+v", l)
	}
}

func TestPasswordPolicy(t *testing.T) {
	p := defaultPolicy()
	for pw, want := range map[string]string{
		"Aa1!aaaa":                 "",
		"Aa1!":                     "Password not long enough",
		"AA1!AAAA":                 "Password must have lowercase characters",
		"aa1!aaaa":                 "Password must have uppercase characters",
		"Aa!!aaaa":                 "Password must have numeric characters",
		"Aa11aaaa":                 "Password must have symbol characters",
		"Aa1 aaaa":                 "",
		strings.Repeat("Aa1!", 65): "Password is too long",
	} {
		err := checkPolicy(p, pw)
		switch {
		case want == "" && err != nil:
			t.Errorf("%q: %v", pw, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%q: %v, want %q", pw, err, want)
		}
	}
	loose := &PasswordPolicyType{MinimumLength: 6}
	if err := checkPolicy(loose, "abcdef"); err != nil {
		t.Fatal(err)
	}
}

func TestPasswordHash(t *testing.T) {
	h := hashPassword("Corr3ct-horse!")
	if strings.Contains(h, "Corr3ct") || h == hashPassword("Corr3ct-horse!") {
		t.Fatal("the hash shows the password or is unsalted")
	}
	if !checkPassword(h, "Corr3ct-horse!") || checkPassword(h, "Corr3ct-horse") || checkPassword("garbage", "x") || checkPassword("argon2id$0$0$0$$", "") {
		t.Fatal("checkPassword")
	}
}
