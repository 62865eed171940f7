package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
)

// piiRecord is one call's worth of personal data, plus the ordinary values sent
// alongside it in the same span and log record.
type piiRecord struct {
	Email       string `json:"email"`
	PhoneUS     string `json:"phoneUS"`     // E.164, e.g. +14155550123
	PhoneCN     string `json:"phoneCN"`     // mainland China mobile, e.g. +86 138 0013 8000
	Card        string `json:"card"`        // digits only, valid Luhn
	CardSpaced  string `json:"cardSpaced"`  // the same number in groups of four
	BearerToken string `json:"bearerToken"` // sent as "Authorization: Bearer <token>"
	OrderID     string `json:"orderId"`
	Feature     string `json:"feature"`
}

// personal lists the values that must never reach storage in the clear.
func (r piiRecord) personal() []string {
	return []string{r.Email, r.PhoneUS, r.PhoneCN, r.Card, r.CardSpaced, r.BearerToken}
}

// nonPersonal lists the values that must reach storage unchanged.
func (r piiRecord) nonPersonal() []string {
	return []string{r.OrderID, r.Feature}
}

var (
	firstNames = []string{"ana", "bo", "chen", "dara", "eli", "fatima", "goran", "hana", "ivan", "jun"}
	lastNames  = []string{"silva", "lee", "wang", "okafor", "novak", "haddad", "kim", "ortiz", "li", "meyer"}
	mailHosts  = []string{"example.com", "example.org", "mail.example.net"}
	usAreas    = []string{"415", "212", "312", "617", "206"}
	cnPrefixes = []string{"130", "135", "138", "139", "150", "158", "186", "188"}
	features   = []string{"checkout", "refund", "subscription-renewal"}
)

const tokenAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// orderIDAlphabet has no digits, so an order id never looks like a card or phone number
// to a redactor and the "non-personal values survive" check stays meaningful.
const orderIDAlphabet = "abcdefghjkmnpqrstuvwxyz"

// piiGenerator makes fresh personal values on every call from a seeded generator. It
// never hands out the same value twice, so each value found in storage points at
// exactly one call.
type piiGenerator struct {
	mu     sync.Mutex
	rng    *rand.Rand
	issued map[string]bool
}

func newPIIGenerator(seed uint64) *piiGenerator {
	return &piiGenerator{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), issued: map[string]bool{}}
}

func (g *piiGenerator) next() piiRecord {
	g.mu.Lock()
	defer g.mu.Unlock()
	card := g.unique(g.cardNumber)
	return piiRecord{
		Email:       g.unique(g.email),
		PhoneUS:     g.unique(g.phoneUS),
		PhoneCN:     g.unique(g.phoneCN),
		Card:        card,
		CardSpaced:  groupsOfFour(card),
		BearerToken: g.unique(func() string { return g.randomString(tokenAlphabet, 40) }),
		OrderID:     g.unique(func() string { return "ord-" + g.randomString(orderIDAlphabet, 10) }),
		Feature:     pick(g.rng, features),
	}
}

// unique calls draw until it gets a value not issued before.
func (g *piiGenerator) unique(draw func() string) string {
	for {
		v := draw()
		if !g.issued[v] {
			g.issued[v] = true
			return v
		}
	}
}

func (g *piiGenerator) email() string {
	return fmt.Sprintf("%s.%s%d@%s",
		pick(g.rng, firstNames), pick(g.rng, lastNames), g.rng.IntN(10000), pick(g.rng, mailHosts))
}

func (g *piiGenerator) phoneUS() string {
	// NANP: the exchange is NXX with N 2-9 and never N11 (311, 911: service codes).
	xx := g.rng.IntN(99)
	if xx >= 11 {
		xx++
	}
	return fmt.Sprintf("+1%s%d%02d%04d", pick(g.rng, usAreas), 2+g.rng.IntN(8), xx, g.rng.IntN(10000))
}

func (g *piiGenerator) phoneCN() string {
	return fmt.Sprintf("+86 %s %04d %04d", pick(g.rng, cnPrefixes), g.rng.IntN(10000), g.rng.IntN(10000))
}

// cardNumber returns a 16-digit Visa- or Mastercard-like number with a valid Luhn check
// digit, the shape a card detector looks for.
func (g *piiGenerator) cardNumber() string {
	prefix := pick(g.rng, []string{"4", "51", "52", "53", "54", "55"})
	var b strings.Builder
	b.WriteString(prefix)
	for b.Len() < 15 {
		b.WriteByte(byte('0' + g.rng.IntN(10)))
	}
	body := b.String()
	return body + string(rune('0'+luhnCheckDigit(body)))
}

func (g *piiGenerator) randomString(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[g.rng.IntN(len(alphabet))]
	}
	return string(b)
}

func pick(rng *rand.Rand, from []string) string {
	return from[rng.IntN(len(from))]
}

// luhnCheckDigit returns the digit that makes digits+check pass the Luhn test.
func luhnCheckDigit(digits string) int {
	sum := 0
	// Walking right to left, the check digit will sit at an odd position, so the
	// payload's rightmost digit is the first one doubled.
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if (len(digits)-1-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return (10 - sum%10) % 10
}

func groupsOfFour(digits string) string {
	var groups []string
	for i := 0; i < len(digits); i += 4 {
		groups = append(groups, digits[i:min(i+4, len(digits))])
	}
	return strings.Join(groups, " ")
}

// sentLedger remembers every value the service has sent, so an end-to-end test can
// prove that none of the personal ones reached storage and all the others did.
type sentLedger struct {
	mu     sync.Mutex
	pii    []string
	nonPII []string
	seen   map[string]bool
}

// sentSnapshot is the JSON shape served at /debug/sent.
type sentSnapshot struct {
	PII    []string `json:"pii"`
	NonPII []string `json:"nonPii"`
}

func newSentLedger() *sentLedger {
	return &sentLedger{seen: map[string]bool{}}
}

func (l *sentLedger) record(r piiRecord) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pii = l.appendNew(l.pii, r.personal())
	l.nonPII = l.appendNew(l.nonPII, r.nonPersonal())
}

func (l *sentLedger) appendNew(list, values []string) []string {
	for _, v := range values {
		if !l.seen[v] {
			l.seen[v] = true
			list = append(list, v)
		}
	}
	return list
}

func (l *sentLedger) snapshot() sentSnapshot {
	l.mu.Lock()
	defer l.mu.Unlock()
	return sentSnapshot{
		PII:    append([]string{}, l.pii...),
		NonPII: append([]string{}, l.nonPII...),
	}
}
