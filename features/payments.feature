Feature: Paying for courses
  Students pay for paid courses at checkout, by card or with PayPal. A student is enrolled
  once the payment provider says the money arrived, and only then does the course's teacher
  see the student and the revenue. When the bank asks the cardholder to authenticate
  (3-D Secure), the payment waits for the answer. PayPal cannot charge every currency: it is
  then paid in US dollars, at an exchange rate the student sees before paying. A checkout
  left unpaid closes after an hour. The payment provider's notifications may arrive late,
  twice or out of order; eduport acts on each payment once and ends in the right state.

  Rule: A student pays by card and is enrolled once the bank accepts the payment

    Background:
      Given a teacher named Grace
      And a student named Alan
      And Grace has published the course "Rust for professionals" priced at 49.00 EUR with the lessons "Ownership" and "Borrowing"

    Scenario: Paying by card
      When Alan checks out "Rust for professionals" by card
      Then Alan is asked to pay 49.00 EUR
      When Alan pays
      Then Alan has paid 49.00 EUR for "Rust for professionals"
      And Alan can open the lesson "Borrowing" of "Rust for professionals"
      And Grace sees 1 student and 49.00 EUR of revenue in "Rust for professionals"
      When Alan checks out "Rust for professionals" by card
      Then Alan is told that they are already enrolled in "Rust for professionals"

    Scenario: The bank asks for 3-D Secure and the student passes it
      When Alan checks out "Rust for professionals" with a card that needs 3-D Secure
      And Alan pays
      Then the bank asks Alan to authenticate the payment
      And Alan cannot open the lesson "Borrowing" of "Rust for professionals"
      When Alan passes the bank's authentication
      Then Alan has paid 49.00 EUR for "Rust for professionals"
      And Alan can open the lesson "Borrowing" of "Rust for professionals"
      And Grace sees 1 student and 49.00 EUR of revenue in "Rust for professionals"

    Scenario: The bank asks for 3-D Secure and the student fails it
      When Alan checks out "Rust for professionals" with a card that needs 3-D Secure
      And Alan pays
      Then the bank asks Alan to authenticate the payment
      When Alan fails the bank's authentication
      Then Alan's payment for "Rust for professionals" is refused because the authentication failed
      And Alan cannot open the lesson "Borrowing" of "Rust for professionals"
      And Grace sees 0 students and no revenue in "Rust for professionals"

    Scenario: A declined card enrolls nobody, and another card can be tried
      When Alan checks out "Rust for professionals" with a card the bank declines
      And Alan pays
      Then Alan is told that the card was declined
      And Alan cannot open the lesson "Borrowing" of "Rust for professionals"
      And Grace sees 0 students and no revenue in "Rust for professionals"
      When Alan checks out "Rust for professionals" by card
      And Alan pays
      Then Alan has paid 49.00 EUR for "Rust for professionals"
      And Alan can open the lesson "Borrowing" of "Rust for professionals"
      And Grace sees 1 student and 49.00 EUR of revenue in "Rust for professionals"

  Rule: A course is never in two open checkouts of one student, so it is never paid twice

    Background:
      Given a teacher named Grace
      And a student named Alan
      And Grace has published the course "Rust for professionals" priced at 49.00 EUR with the lesson "Ownership"
      And Grace has published the course "Go for teams" priced at 20.00 EUR with the lesson "Goroutines"

    Scenario: A larger checkout replaces the open one for the same course
      When Alan checks out "Rust for professionals" by card
      And Alan checks out "Rust for professionals" and "Go for teams" together by card
      Then Alan's checkout for "Rust for professionals" is closed
      When Alan pays for "Rust for professionals" and "Go for teams"
      Then Grace sees 1 student and 49.00 EUR of revenue in "Rust for professionals"
      And Grace sees 1 student and 20.00 EUR of revenue in "Go for teams"

  Rule: A checkout left unpaid closes after an hour

    Background:
      Given a teacher named Grace
      And a student named Alan
      And Grace has published the course "Rust for professionals" priced at 49.00 EUR with the lessons "Ownership" and "Borrowing"
      And Alan has checked out "Rust for professionals" by card and left without paying

    Scenario: Coming back within the hour resumes the same checkout
      Given Alan's checkout for "Rust for professionals" stays open for 60 minutes
      When eduport closes the checkouts nobody paid in time
      And Alan checks out "Rust for professionals" by card
      Then Alan is asked to pay 49.00 EUR in the same checkout as before
      When Alan pays
      Then Alan has paid 49.00 EUR for "Rust for professionals"
      And Grace sees 1 student and 49.00 EUR of revenue in "Rust for professionals"

    Scenario: An abandoned checkout closes and enrolls nobody; a new checkout later works
      When more than 60 minutes pass
      And eduport closes the checkouts nobody paid in time
      Then Alan's checkout for "Rust for professionals" is closed
      And Alan can no longer pay in that checkout
      And Alan cannot open the lesson "Borrowing" of "Rust for professionals"
      And Grace sees 0 students and no revenue in "Rust for professionals"
      When Alan checks out "Rust for professionals" by card
      Then Alan is asked to pay 49.00 EUR in a new checkout
      When Alan pays
      Then Alan has paid 49.00 EUR for "Rust for professionals"
      And Alan can open the lesson "Borrowing" of "Rust for professionals"
      And Grace sees 1 student and 49.00 EUR of revenue in "Rust for professionals"

  Rule: PayPal is paid in US dollars when it cannot charge the course's currency

    Background:
      Given students may pay with PayPal, which charges in US dollars

    Scenario: Paying with PayPal in US dollars for a course priced in Egyptian pounds
      Given the exchange rate from EGP to USD is 0.0205
      And a teacher named Grace
      And a student named Alan
      And Grace has published the course "Arabic calligraphy" priced at 2450.00 EGP with the lesson "The reed pen"
      When Alan checks out "Arabic calligraphy" with PayPal
      Then Alan is asked to pay 50.23 USD for 2450.00 EGP, at 0.0205 USD per EGP
      When Alan approves the payment at PayPal
      And Alan comes back to eduport
      Then Alan has paid 50.23 USD for "Arabic calligraphy"
      And PayPal charged Alan 50.23 USD
      And Alan can open the lesson "The reed pen" of "Arabic calligraphy"
      And Grace sees 1 student and 2450.00 EGP of revenue in "Arabic calligraphy"

    Scenario: Without an exchange rate, PayPal checkout is refused
      Given no exchange rate from EGP to USD is set
      And a teacher named Grace
      And a student named Alan
      And Grace has published the course "Arabic calligraphy" priced at 2450.00 EGP with the lesson "The reed pen"
      When Alan checks out "Arabic calligraphy" with PayPal
      Then Alan is told that no exchange rate from EGP to USD is available
      And PayPal was asked to charge nothing
      And Alan cannot open the lesson "The reed pen" of "Arabic calligraphy"
      And Grace sees 0 students and no revenue in "Arabic calligraphy"

  Rule: The payment provider's notifications are acted on once, whatever their order

    Background:
      Given a teacher named Grace
      And a student named Alan
      And Grace has published the course "Rust for professionals" priced at 49.00 EUR with the lessons "Ownership" and "Borrowing"
      And Alan has checked out "Rust for professionals" by card
      And the payment provider's notifications to eduport are held up
      And Alan has paid at the payment provider but never came back to eduport

    Scenario: The same payment notification delivered twice enrolls once and counts once
      Then Alan cannot open the lesson "Borrowing" of "Rust for professionals"
      When the notification that Alan's payment succeeded arrives twice
      Then eduport recognises the second notification as a repeat
      And Alan is enrolled once in "Rust for professionals"
      And Alan can open the lesson "Borrowing" of "Rust for professionals"
      And Grace sees 1 student and 49.00 EUR of revenue in "Rust for professionals"

    Scenario Outline: Notifications arriving in any order leave the right final state
      Given <refund> of Alan's payment was refunded at the payment provider
      When the held-up notifications arrive in the order: <order>
      Then Alan's payment for "Rust for professionals" shows <refund> refunded
      And Alan <access> the lesson "Borrowing" of "Rust for professionals"
      And Grace sees <students> and <revenue> of revenue in "Rust for professionals"

      Examples:
        | refund    | order                             | access        | students   | revenue   |
        | 49.00 EUR | paid, then refunded               | cannot open   | 0 students | 0.00 EUR  |
        | 49.00 EUR | refunded, then paid               | cannot open   | 0 students | 0.00 EUR  |
        | 49.00 EUR | refunded, paid, then refunded     | cannot open   | 0 students | 0.00 EUR  |
        | 9.00 EUR  | refunded, then paid               | can open      | 1 student  | 40.00 EUR |
        | 9.00 EUR  | paid, refunded, paid and refunded | can open      | 1 student  | 40.00 EUR |
