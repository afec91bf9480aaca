Feature: Course catalog
  Teachers build courses of ordered lessons as drafts and publish them when they are ready.
  Published courses appear in the public catalog, newest first, which anyone may browse and
  search by title without signing in. Only a course's own teacher changes it, and only they
  (and platform admins) see how many students it has.

  Background:
    Given a teacher named Grace

  Rule: A teacher drafts a course, adds lessons and publishes it

    Scenario: A teacher drafts a course with lessons
      When Grace drafts a free course "Compilers from scratch"
      And Grace adds the lessons "Why compilers", "Lexing" and "Parsing" to "Compilers from scratch"
      Then "Compilers from scratch" is a draft with the lessons "Why compilers", "Lexing" and "Parsing"
      And a visitor does not find "Compilers from scratch" in the catalog

    Scenario: A course without lessons cannot be published
      Given Grace has drafted a free course "Empty promises"
      When Grace publishes "Empty promises"
      Then Grace is told that the course needs a lesson before it is published
      And "Empty promises" is still a draft with no lessons
      And a visitor does not find "Empty promises" in the catalog

    Scenario: A published course appears in the public catalog
      Given Grace has drafted a free course "Compilers from scratch" with the lessons "Why compilers" and "Lexing"
      When Grace publishes "Compilers from scratch"
      Then "Compilers from scratch" is published
      And a visitor finds "Compilers from scratch" in the catalog, free, by Grace, with 2 lessons

    Scenario: The teacher reorders the lessons
      Given Grace has published a free course "Compilers from scratch" with the lessons "Why compilers", "Lexing" and "Parsing"
      When Grace puts the lessons of "Compilers from scratch" in the order "Parsing", "Why compilers" and "Lexing"
      Then a visitor sees the lessons of "Compilers from scratch" in the order "Parsing", "Why compilers" and "Lexing"

    Scenario: A new order must name every lesson exactly once
      Given Grace has drafted a free course "Compilers from scratch" with the lessons "Why compilers", "Lexing" and "Parsing"
      When Grace puts the lessons of "Compilers from scratch" in the order "Parsing" and "Lexing"
      Then Grace is told that every lesson must be named exactly once
      And "Compilers from scratch" is still a draft with the lessons "Why compilers", "Lexing" and "Parsing"

  Rule: Only the course's teacher changes it, and only teachers create courses

    Scenario Outline: Another teacher cannot <change> a course
      Given a teacher named Linus
      And Grace has drafted a free course "Compilers from scratch" with the lessons "Why compilers" and "Lexing"
      When Linus tries to <change> "Compilers from scratch"
      Then Linus is refused
      And "Compilers from scratch" is still a draft with the lessons "Why compilers" and "Lexing"

      Examples:
        | change                 |
        | rename                 |
        | add a lesson to        |
        | reorder the lessons of |
        | publish                |

    Scenario Outline: A <role> cannot create a course
      Given a <role> named <name>
      When <name> tries to draft a free course "My own course"
      Then <name> is told that only teachers create courses
      And Grace can still create a course called "My own course"

      Examples:
        | name | role    |
        | Alan | student |
        | Acme | company |

  Rule: Anyone browses and searches the published courses

    Scenario Outline: Searching the catalog by title
      Given Grace has published a free course "Compilers from scratch" with the lesson "Why compilers"
      And Grace has published a free course "Python for poets" with the lesson "Hello, world"
      And Grace has published a free course "Advanced Python" with the lesson "Decorators"
      And Grace has drafted a free course "Python in progress" with the lesson "Coming soon"
      When a visitor searches the catalog for "<words>"
      Then the visitor finds <found>

      Examples:
        | words     | found                                    |
        | python    | "Advanced Python" and "Python for poets" |
        | COMPILERS | "Compilers from scratch"                 |
        | for poets | "Python for poets"                       |
        | haskell   | no course                                |

    Scenario Outline: Browsing the catalog page by page, newest first
      Given Grace has published the free courses "Course 1", "Course 2", "Course 3", "Course 4" and "Course 5" in that order
      When a visitor opens page <page> of the catalog with 2 courses a page
      Then the visitor sees <shown>
      And the visitor is told that there are 5 courses in all

      Examples:
        | page | shown                     |
        | 1    | "Course 5" and "Course 4" |
        | 2    | "Course 3" and "Course 2" |
        | 3    | "Course 1"                |
        | 4    | no course                 |

  Rule: Course statistics are for the course's teacher

    Background:
      Given Grace has published a free course "Compilers from scratch" with the lesson "Why compilers"

    Scenario: The teacher sees how many students a course has
      Given a student named Alan
      And a student named Barbara
      And Alan has enrolled in "Compilers from scratch"
      And Barbara has enrolled in "Compilers from scratch"
      When Grace looks at the statistics of "Compilers from scratch"
      Then Grace sees 2 students and no revenue

    Scenario Outline: A <role> cannot see the statistics of a course of Grace
      Given a <role> named <name>
      When <name> looks at the statistics of "Compilers from scratch"
      Then <name> is refused

      Examples:
        | name  | role    |
        | Linus | teacher |
        | Alan  | student |
        | Acme  | company |

    Scenario: Platform admins see the statistics too
      Given a platform admin named Ada
      When Ada looks at the statistics of "Compilers from scratch"
      Then Ada sees 0 students and no revenue
