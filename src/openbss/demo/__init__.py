"""A reproducible demo data set (``openbss demo``): customers, parties, accounts and catalogues.

:mod:`openbss.demo.dataset` generates the documents from a seed;
:mod:`openbss.demo.loader` creates them through the service layer.
"""
