"""The evaluation report: chapters and appendices written from the estimates, typeset as PDF
(Typst) and HTML from one content model, so both formats say the same."""
