Feature: Enrollment
  Students enroll in free published courses with one click; paid courses go through
  checkout. Enrolled students and the course's teacher open every lesson of a course;
  anyone signed in may open the lessons the teacher marked as free previews.

  Background:
    Given a teacher named Grace
    And a student named Alan
    And Grace has published a free course "Compilers from scratch" with these lessons:
      | lesson        | free preview |
      | Why compilers | yes          |
      | Lexing        | no           |
      | Parsing       | no           |

  Rule: A student enrolls in a free course once, however often they click

    Scenario: A student enrolls in a free course
      When Alan enrolls in "Compilers from scratch"
      Then Alan is enrolled in "Compilers from scratch"
      And Alan sees 1 enrollment: "Compilers from scratch"
      And Grace sees 1 student in "Compilers from scratch"

    Scenario: Enrolling twice keeps one enrollment
      Given Alan has enrolled in "Compilers from scratch"
      When Alan enrolls in "Compilers from scratch" again
      Then Alan is told that the enrollment already exists
      And Alan sees 1 enrollment: "Compilers from scratch"
      And Grace sees 1 student in "Compilers from scratch"

    Scenario: A student sees their enrollments, newest first
      Given Grace has published a free course "Python for poets" with the lesson "Hello, world"
      And a student named Barbara
      And Alan has enrolled in "Compilers from scratch"
      And Alan has enrolled in "Python for poets"
      Then Alan sees 2 enrollments: "Python for poets" and "Compilers from scratch"
      And Barbara sees no enrollment

    Scenario Outline: A <role> cannot enroll
      Given a <role> named <name>
      When <name> enrolls in "Compilers from scratch"
      Then <name> is told that only students enroll
      And Grace sees 0 students in "Compilers from scratch"

      Examples:
        | name  | role    |
        | Linus | teacher |
        | Acme  | company |

  Rule: Paid and unpublished courses cannot be enrolled in with a click

    Scenario: A paid course asks for checkout
      Given Grace has published the course "Rust for professionals" priced at 49.00 EUR with the lesson "Ownership"
      When Alan enrolls in "Rust for professionals"
      Then Alan is told that checkout is required to pay 49.00 EUR
      And Alan sees no enrollment
      And Grace sees 0 students in "Rust for professionals"

    Scenario: An unpublished course cannot be enrolled in
      Given Grace has drafted a free course "Work in progress" with the lesson "Coming soon"
      When Alan enrolls in "Work in progress"
      Then Alan is told that there is no such course
      And Alan sees no enrollment

  Rule: Free previews open for anyone signed in, other lessons for enrolled students and the teacher

    Background:
      Given a student named Barbara
      And a teacher named Linus
      And Alan has enrolled in "Compilers from scratch"

    Scenario Outline: Who may open which lesson
      When <name> opens the lesson "<lesson>" of "Compilers from scratch"
      Then <name> <outcome>

      Examples: Free previews
        | name    | lesson        | outcome                  |
        | Alan    | Why compilers | watches the lesson       |
        | Barbara | Why compilers | watches the lesson       |
        | Linus   | Why compilers | watches the lesson       |

      Examples: Other lessons
        | name    | lesson        | outcome                  |
        | Alan    | Lexing        | watches the lesson       |
        | Grace   | Parsing       | watches the lesson       |
        | Barbara | Lexing        | is asked to enroll first |
        | Linus   | Parsing       | is asked to enroll first |

    Scenario: Visitors sign in before opening even a free preview
      When a visitor opens the lesson "Why compilers" of "Compilers from scratch"
      Then the visitor is asked to sign in

    Scenario: Enrolling opens the other lessons
      When Barbara opens the lesson "Lexing" of "Compilers from scratch"
      Then Barbara is asked to enroll first
      When Barbara enrolls in "Compilers from scratch"
      And Barbara opens the lesson "Lexing" of "Compilers from scratch"
      Then Barbara watches the lesson
