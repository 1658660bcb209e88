package message

import (
	"reflect"
	"testing"
)

func TestParseAddressList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     []Address
	}{
		{"strict/two", `"Ana" <ana@example.org>, bob@example.org`, []Address{{"Ana", "ana@example.org"}, {"", "bob@example.org"}}},
		{"loose/comma in name", `Account team ,_<no-reply@example.com>`, []Address{{"Account team, _", "no-reply@example.com"}}},
		{"loose/encoded word in quotes", `"=?UTF-8?B?Sm9zw6k=?=" <jose@example.com>`, []Address{{"José", "jose@example.com"}}},
		{"loose/latin1 raw in Q word", "=?iso-8859-1?Q?J\xfcrgen?= <j@example.com>", []Address{{"Jürgen", "j@example.com"}}},
		{"loose/unclosed", `"Unclosed <x@example.org`, []Address{{"Unclosed", "x@example.org"}}},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := parseAddressList(tt.in, "To", &defectList{})
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
