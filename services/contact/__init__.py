"""The joint contact process between jobcentre and a-kasse, besides job orders.

Two flows from the cooperation agreement: the a-kasse's recommendation of an early offer
(indstilling om tidligt tilbud, sent through beskedmodulet) and the joint job interviews
(fælles jobsamtaler: invitation lists, proposed times, confirmation, cancellations).
Both are case work about one member: they read the member's case facts (a-kasse,
unemployment start), which matching never does.
"""
