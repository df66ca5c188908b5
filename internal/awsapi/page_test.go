package awsapi

import (
	"errors"
	"slices"
	"strconv"
	"testing"
)

func TestPaginate(t *testing.T) {
	badSize, badToken := Kind("InvalidInput", 400).Newf("size"), Kind("InvalidInput", 400).Newf("token")
	p := Pager{Max: 3, Default: 2, BadSize: badSize, BadToken: badToken}
	items := []string{"a", "b", "c", "d", "e"}
	id := func(s string) string { return s }
	n := func(i int) *int { return &i }

	walkPages(t, items, func(token string, size *int) ([]string, string, error) {
		return Paginate(p, items, id, token, size)
	})
	// A token stays valid when the item it names goes away.
	page, _, _ := Paginate(p, items, id, "", nil)
	_, next, _ := Paginate(p, items, id, "", n(2))
	rest, _, err := Paginate(p, slices.Delete(slices.Clone(items), 1, 2), id, next, nil)
	if err != nil || !slices.Equal(page, []string{"a", "b"}) || !slices.Equal(rest, []string{"c", "d"}) {
		t.Errorf("after a deletion: %v %v %v", page, rest, err)
	}
	for _, bad := range []int{0, -1, 4} {
		if _, _, err := Paginate(p, items, id, "", n(bad)); err != badSize {
			t.Errorf("maxResults %d: %v", bad, err)
		}
	}
	if _, _, err := Paginate(p, items, id, "!!not base64", nil); err != badToken {
		t.Errorf("bad token: %v", err)
	}
	all, next, err := Paginate(Pager{Max: 10}, items, id, "", nil)
	if err != nil || next != "" || len(all) != len(items) {
		t.Errorf("Default 0 gives %v %q %v", all, next, err)
	}
}

// walkPages walks every page of items at the default size, then at each
// size a Pager{Max: 3} allows, and checks the pages add up to items.
func walkPages(t *testing.T, items []string, paginate func(token string, size *int) ([]string, string, error)) {
	t.Helper()
	n := func(i int) *int { return &i }
	for _, size := range []*int{nil, n(1), n(2), n(3)} {
		var got []string
		token := ""
		for pages := 0; ; pages++ {
			page, next, err := paginate(token, size)
			if err != nil || pages > len(items) {
				t.Fatalf("size %v: page %d: %v", size, pages, err)
			}
			got = append(got, page...)
			if next == "" {
				break
			}
			token = next
		}
		if !slices.Equal(got, items) {
			t.Errorf("size %v: walked %v", size, got)
		}
	}
}

func TestPaginateByPosition(t *testing.T) {
	badSize, badToken := Kind("InvalidInput", 400).Newf("size"), Kind("InvalidInput", 400).Newf("token")
	p := Pager{Max: 3, Default: 2, BadSize: badSize, BadToken: badToken}
	items := []string{"e", "d", "c", "b", "a"} // descending: no key order
	n := func(i int) *int { return &i }

	walkPages(t, items, func(token string, size *int) ([]string, string, error) {
		return PaginateByPosition(p, items, token, size)
	})
	if page, next, err := PaginateByPosition(p, items, "", n(2)); err != nil || next != "2" || !slices.Equal(page, []string{"e", "d"}) {
		t.Errorf("first page: %v %q %v", page, next, err)
	}
	if page, next, err := PaginateByPosition(p, items, "5", nil); err != nil || next != "" || len(page) != 0 {
		t.Errorf("token at the end: %v %q %v", page, next, err)
	}
	for _, bad := range []int{0, -1, 4} {
		if _, _, err := PaginateByPosition(p, items, "", n(bad)); err != badSize {
			t.Errorf("maxResults %d: %v", bad, err)
		}
	}
	for _, bad := range []string{"x", "-1", "6"} {
		if _, _, err := PaginateByPosition(p, items, bad, nil); err != badToken {
			t.Errorf("token %q: %v", bad, err)
		}
	}
}

func TestStringPtr(t *testing.T) {
	if StringPtr("") != nil || *StringPtr("x") != "x" {
		t.Fatal("StringPtr")
	}
}

func TestErrorIsByCode(t *testing.T) {
	notFound := Kind("ServiceNotFound", 400)
	err := error(notFound.Newf("Service not found: %s", "srv-1"))
	wrapped := errors.Join(errors.New("context"), err)
	if !errors.Is(err, notFound) || !errors.Is(wrapped, notFound) {
		t.Error("an error does not match the kind it was built from")
	}
	if errors.Is(err, Kind("NamespaceNotFound", 400)) {
		t.Error("an error matches another code")
	}
	if !errors.Is(err, ErrNotFound) || !errors.Is(Kind("ResourceNotFoundException", 400).Newf("x"), ErrNotFound) {
		t.Error("a NotFound code does not match ErrNotFound")
	}
	if errors.Is(Kind("InvalidInput", 400).Newf("x"), ErrNotFound) {
		t.Error("InvalidInput matches ErrNotFound")
	}
	if e := notFound.Newf("n %d", 1); e.Status != 400 || e.Message != "n 1" || e.Code != "ServiceNotFound" {
		t.Errorf("Newf: %+v", e)
	}
}

func TestTags(t *testing.T) {
	type tag struct{ Key, Value string }
	key := func(t tag) string { return t.Key }
	kv := func(t tag) (string, string) { return t.Key, t.Value }
	tags := MergeTags([]tag{{"a", "1"}, {"b", "2"}}, []tag{{"b", "3"}, {"c", "4"}}, key)
	if !slices.Equal(tags, []tag{{"a", "1"}, {"b", "3"}, {"c", "4"}}) {
		t.Errorf("MergeTags: %v", tags)
	}
	tags = RemoveTags(tags, []string{"a", "z"}, key)
	if !slices.Equal(tags, []tag{{"b", "3"}, {"c", "4"}}) {
		t.Errorf("RemoveTags: %v", tags)
	}
	many := make([]tag, MaxTags+1)
	for i := range many {
		many[i] = tag{strconv.Itoa(i), ""}
	}
	long := string(make([]byte, 129))
	for _, tc := range []struct {
		tags  []tag
		fault TagFault
		key   string
	}{
		{tags, TagsValid, ""},
		{many, TooManyTags, ""},
		{many[:MaxTags], TagsValid, ""},
		{[]tag{{"", "v"}}, BadTagKey, ""},
		{[]tag{{long, "v"}}, BadTagKey, long},
		{[]tag{{"k", long + long}}, BadTagValue, "k"},
	} {
		if f, k := CheckTags(len(tc.tags), TagList(tc.tags, kv)); f != tc.fault || k != tc.key {
			t.Errorf("CheckTags(%d tags) = %v %q, want %v", len(tc.tags), f, k, tc.fault)
		}
	}
}
