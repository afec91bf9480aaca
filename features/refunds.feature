Feature: Refunds and disputes
  Platform admins refund all or part of a payment, never more than was paid. A partial refund
  keeps the student's access; once everything is refunded the access ends, and the course's
  teacher no longer counts the student or the money. When a student's bank disputes a card
  payment, the access is suspended until the dispute is decided: if the school wins, the
  access comes back; if it loses, the access ends and the money is gone.

  Rule: Platform admins refund payments, in part or in full

    Background:
      Given a platform admin named Ada
      And a teacher named Grace
      And a student named Alan
      And Grace has published the course "Rust for professionals" priced at 49.00 EUR with the lessons "Ownership" and "Borrowing"
      And Alan has paid for "Rust for professionals" by card

    Scenario: A partial refund keeps the student's access
      When Ada refunds 9.00 EUR of Alan's payment for "Rust for professionals", because "the course started late"
      Then Alan's payment for "Rust for professionals" shows 9.00 EUR refunded
      And Alan's enrollment in "Rust for professionals" is active
      And Alan can open the lesson "Borrowing" of "Rust for professionals"
      And Grace sees 1 student and 40.00 EUR of revenue in "Rust for professionals"

    Scenario: A full refund ends the access and leaves the teacher's statistics
      When Ada refunds Alan's payment for "Rust for professionals" in full
      Then Alan's payment for "Rust for professionals" shows 49.00 EUR refunded
      And Alan's enrollment in "Rust for professionals" is revoked
      And Alan cannot open the lesson "Borrowing" of "Rust for professionals"
      And Grace sees 0 students and 0.00 EUR of revenue in "Rust for professionals"

    Scenario: A refund settles at once, without waiting for the provider's notification
      Given the payment provider's notifications to eduport are held up
      When Ada refunds Alan's payment for "Rust for professionals" in full
      Then Alan's payment for "Rust for professionals" shows 49.00 EUR refunded
      And Alan's enrollment in "Rust for professionals" is revoked
      And Grace sees 0 students and 0.00 EUR of revenue in "Rust for professionals"

    Scenario: A partial refund, then the rest
      Given Ada has refunded 9.00 EUR of Alan's payment for "Rust for professionals"
      When Ada refunds Alan's payment for "Rust for professionals" in full
      Then Alan's payment for "Rust for professionals" shows 49.00 EUR refunded
      And Alan cannot open the lesson "Borrowing" of "Rust for professionals"
      And Grace sees 0 students and 0.00 EUR of revenue in "Rust for professionals"

    Scenario: No more than what is left of the payment is refunded
      Given Ada has refunded 9.00 EUR of Alan's payment for "Rust for professionals"
      When Ada refunds 40.01 EUR of Alan's payment for "Rust for professionals"
      Then Ada is told that at most 40.00 EUR is left to refund
      And Alan's payment for "Rust for professionals" shows 9.00 EUR refunded
      And Alan can open the lesson "Borrowing" of "Rust for professionals"
      And Grace sees 1 student and 40.00 EUR of revenue in "Rust for professionals"

    Scenario Outline: A <role> cannot refund a payment
      When <name> tries to refund Alan's payment for "Rust for professionals" in full
      Then <name> is refused
      And Alan's payment for "Rust for professionals" shows nothing refunded
      And Alan can open the lesson "Borrowing" of "Rust for professionals"

      Examples:
        | name  | role    |
        | Alan  | student |
        | Grace | teacher |

    Scenario: A student refunded in full can buy the course again
      Given Ada has refunded Alan's payment for "Rust for professionals" in full
      When Alan checks out "Rust for professionals" by card
      And Alan pays
      Then Alan has paid 49.00 EUR for "Rust for professionals"
      And Alan's enrollment in "Rust for professionals" is active
      And Alan can open the lesson "Borrowing" of "Rust for professionals"
      And Grace sees 1 student and 49.00 EUR of revenue in "Rust for professionals"

  Rule: A disputed card payment suspends the access until the bank decides

    Background:
      Given card payments go through Stripe
      And a teacher named Grace
      And a student named Alan
      And Grace has published the course "Rust for professionals" priced at 49.00 EUR with the lessons "Ownership" and "Borrowing"
      And Alan has paid for "Rust for professionals" by card

    Scenario: An open dispute suspends the access
      When Alan's bank disputes the payment for "Rust for professionals"
      Then Alan's payment for "Rust for professionals" is disputed
      And Alan's enrollment in "Rust for professionals" is suspended
      And Alan cannot open the lesson "Borrowing" of "Rust for professionals"

    Scenario: A dispute the school wins gives the access back
      Given Alan's bank has disputed the payment for "Rust for professionals"
      When the school wins the dispute
      Then Alan has paid 49.00 EUR for "Rust for professionals"
      And Alan's enrollment in "Rust for professionals" is active
      And Alan can open the lesson "Borrowing" of "Rust for professionals"
      And Grace sees 1 student and 49.00 EUR of revenue in "Rust for professionals"

    Scenario: A dispute the school loses ends the access and takes the money back
      Given Alan's bank has disputed the payment for "Rust for professionals"
      When the school loses the dispute
      Then Alan's payment for "Rust for professionals" was taken back by the bank
      And Alan's enrollment in "Rust for professionals" is revoked
      And Alan cannot open the lesson "Borrowing" of "Rust for professionals"
      And Grace sees 0 students and 0.00 EUR of revenue in "Rust for professionals"

  Rule: A PayPal dispute suspends the access until PayPal decides it

    Background:
      Given students may pay with PayPal
      And a teacher named Grace
      And a student named Alan
      And Grace has published the course "Rust for professionals" priced at 49.00 USD with the lesson "Ownership"
      And Alan has paid for "Rust for professionals" with PayPal

    Scenario: PayPal decides for the school
      When Alan opens a dispute at PayPal about the payment for "Rust for professionals"
      Then Alan's enrollment in "Rust for professionals" is suspended
      When PayPal decides the dispute for the school
      Then Alan's enrollment in "Rust for professionals" is active
      And Grace sees 1 student and 49.00 USD of revenue in "Rust for professionals"

    Scenario: PayPal decides for the buyer
      When Alan opens a dispute at PayPal about the payment for "Rust for professionals"
      And PayPal decides the dispute for the buyer
      Then Alan's enrollment in "Rust for professionals" is revoked
      And Grace sees 0 students and 0.00 USD of revenue in "Rust for professionals"
