"""Express delivery (快递): waybills, pickup orders, tracking queries, complaints and claims.

The pure rules live in `kefu.express.rules` and the data they interpret in
`kefu/express/rulebooks/*.yaml`; both follow seed 004_4ea5f35392de9aaf.txt
(快递客服人员作业标准). This package must stay importable without Django.
"""
