package awsapi

import "testing"

func TestPageToken(t *testing.T) {
	for _, key := range []string{"", "a", "/app/g000", "00000190a1b2c3d4:web/1", "ünïcode"} {
		got, ok := PageTokenKey(PageToken(key))
		if !ok || got != key {
			t.Errorf("PageTokenKey(PageToken(%q)) = %q, %v", key, got, ok)
		}
	}
	if _, ok := PageTokenKey("not base64!"); ok {
		t.Error("a token that is not base64 decoded")
	}

	// The token Paginate hands out names the last key of the page.
	items := []string{"a", "b", "c"}
	size := 2
	_, next, err := Paginate(Pager{Max: 2}, items, func(s string) string { return s }, "", &size)
	if err != nil {
		t.Fatal(err)
	}
	if next != PageToken("b") {
		t.Errorf("Paginate's token %q, PageToken %q", next, PageToken("b"))
	}
	page, _, err := Paginate(Pager{Max: 2}, items, func(s string) string { return s }, PageToken("a"), &size)
	if err != nil || len(page) != 2 || page[0] != "b" {
		t.Errorf("resume after PageToken(a): %v, %v", page, err)
	}
}
