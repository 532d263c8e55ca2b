package models

// PriceListCurrencies are the currencies the Enterprise seat's price list
// has a price in.
func PriceListCurrencies() []string { return []string{"CHF", "EUR", "GBP", "USD"} }

// EnterpriseSeatPrice is the price list of the Enterprise seat (R-PLAN-1,
// R-PLAN-4): per seat per month, billed annually, in minor units of the
// currency; ok is false when the list has no price in it. Legacy plans
// moving to the Enterprise seat (at renewal, or early by `seatdesk plan
// migrate`) are priced from it; Enterprise plans renew at the price they
// have. The README documents it: change both together.
func EnterpriseSeatPrice(currency string) (minor int64, ok bool) {
	switch currency {
	case "USD":
		return 6000, true // 60.00 $
	case "EUR":
		return 5500, true // 55,00 €
	case "GBP":
		return 4800, true // 48.00 £
	case "CHF":
		return 5400, true // 54.00 CHF
	}
	return 0, false
}
