"""The TPC-H queries of the ``tpch`` suite: Dask DataFrame code and its SQL, side by side.

The SQL is the query text of the TPC-H specification with its validation parameters;
DuckDB runs it to check Dask's answer. The Dask code follows it the way the Dask TPC-H
benchmarks do, and by the rules of TPC-H comparisons between front ends: the tables
of the ``from`` list merged in the order it lists them (no join reordering), then the
``where`` clause as one filter, derived columns, ``groupby``/``agg``, ``sort_values``
and ``head``. Nothing is added by hand: no column selections, repartitions, persists,
broadcast hints or early filters; Dask's optimiser pushes the filters and the column
selections down to the Parquet reads itself. Date arithmetic of the SQL
(``date '...' + interval ...``) is written with pandas' dates and offsets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: ``read(table)``: a table as a lazy Dask DataFrame (``dd.read_parquet`` of its folder).
Reader = Callable[[str], Any]


@dataclass(frozen=True)
class Query:
    """One TPC-H query.

    Attributes
    ----------
    name
        The workload's name, ``q<number>``.
    title
        One line for ``dask-bench list workloads``.
    sql
        The query text, run by DuckDB on views named after the tables.
    build
        ``build(read)``: the lazy Dask collection of the answer.
    scalar
        For a query answering one number (a Dask scalar), the name of its column.
    """

    name: str
    title: str
    sql: str
    build: Callable[[Reader], Any]
    scalar: str | None = None


def _day(text: str) -> Any:
    import pandas as pd

    return pd.Timestamp(text)


def _offset(**kw: int) -> Any:
    import pandas as pd

    return pd.DateOffset(**kw)


def _q1(read: Reader) -> Any:
    lineitem = read("lineitem")
    df = lineitem[lineitem.l_shipdate <= _day("1998-12-01") - _offset(days=90)]
    df["disc_price"] = df.l_extendedprice * (1 - df.l_discount)
    df["charge"] = df.l_extendedprice * (1 - df.l_discount) * (1 + df.l_tax)
    out = df.groupby(["l_returnflag", "l_linestatus"]).agg(
        sum_qty=("l_quantity", "sum"),
        sum_base_price=("l_extendedprice", "sum"),
        sum_disc_price=("disc_price", "sum"),
        sum_charge=("charge", "sum"),
        avg_qty=("l_quantity", "mean"),
        avg_price=("l_extendedprice", "mean"),
        avg_disc=("l_discount", "mean"),
        count_order=("l_quantity", "size"),
    )
    return out.reset_index().sort_values(["l_returnflag", "l_linestatus"])


_Q1 = """
select l_returnflag, l_linestatus, sum(l_quantity) as sum_qty,
    sum(l_extendedprice) as sum_base_price,
    sum(l_extendedprice * (1 - l_discount)) as sum_disc_price,
    sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) as sum_charge,
    avg(l_quantity) as avg_qty, avg(l_extendedprice) as avg_price,
    avg(l_discount) as avg_disc, count(*) as count_order
from lineitem
where l_shipdate <= date '1998-12-01' - interval '90' day
group by l_returnflag, l_linestatus
order by l_returnflag, l_linestatus
"""


def _q3(read: Reader) -> Any:
    customer, orders, lineitem = read("customer"), read("orders"), read("lineitem")
    df = customer.merge(orders, left_on="c_custkey", right_on="o_custkey")
    df = df.merge(lineitem, left_on="o_orderkey", right_on="l_orderkey")
    day = _day("1995-03-15")
    df = df[(df.c_mktsegment == "BUILDING") & (df.o_orderdate < day) & (df.l_shipdate > day)]
    df["revenue"] = df.l_extendedprice * (1 - df.l_discount)
    keys = ["l_orderkey", "o_orderdate", "o_shippriority"]
    out = df.groupby(keys).revenue.sum().reset_index()
    out = out[["l_orderkey", "revenue", "o_orderdate", "o_shippriority"]]
    return out.sort_values(["revenue", "o_orderdate"], ascending=[False, True]).head(
        10, compute=False
    )


_Q3 = """
select l_orderkey, sum(l_extendedprice * (1 - l_discount)) as revenue, o_orderdate,
    o_shippriority
from customer, orders, lineitem
where c_mktsegment = 'BUILDING' and c_custkey = o_custkey and l_orderkey = o_orderkey
    and o_orderdate < date '1995-03-15' and l_shipdate > date '1995-03-15'
group by l_orderkey, o_orderdate, o_shippriority
order by revenue desc, o_orderdate
limit 10
"""


def _q5(read: Reader) -> Any:
    df = read("customer").merge(read("orders"), left_on="c_custkey", right_on="o_custkey")
    df = df.merge(read("lineitem"), left_on="o_orderkey", right_on="l_orderkey")
    df = df.merge(
        read("supplier"),
        left_on=["l_suppkey", "c_nationkey"],
        right_on=["s_suppkey", "s_nationkey"],
    )
    df = df.merge(read("nation"), left_on="s_nationkey", right_on="n_nationkey")
    df = df.merge(read("region"), left_on="n_regionkey", right_on="r_regionkey")
    start = _day("1994-01-01")
    end = start + _offset(years=1)
    df = df[(df.r_name == "ASIA") & (df.o_orderdate >= start) & (df.o_orderdate < end)]
    df["revenue"] = df.l_extendedprice * (1 - df.l_discount)
    out = df.groupby("n_name").revenue.sum().reset_index()
    return out.sort_values("revenue", ascending=False)


_Q5 = """
select n_name, sum(l_extendedprice * (1 - l_discount)) as revenue
from customer, orders, lineitem, supplier, nation, region
where c_custkey = o_custkey and l_orderkey = o_orderkey and l_suppkey = s_suppkey
    and c_nationkey = s_nationkey and s_nationkey = n_nationkey
    and n_regionkey = r_regionkey and r_name = 'ASIA'
    and o_orderdate >= date '1994-01-01'
    and o_orderdate < date '1994-01-01' + interval '1' year
group by n_name
order by revenue desc
"""


def _q6(read: Reader) -> Any:
    lineitem = read("lineitem")
    start = _day("1994-01-01")
    df = lineitem[
        (lineitem.l_shipdate >= start)
        & (lineitem.l_shipdate < start + _offset(years=1))
        # .06 -/+ 0.01, as SQL's exact decimals give them (in floats, 0.06 + 0.01 < 0.07)
        & (lineitem.l_discount >= 0.05)
        & (lineitem.l_discount <= 0.07)
        & (lineitem.l_quantity < 24)
    ]
    return (df.l_extendedprice * df.l_discount).sum()


_Q6 = """
select sum(l_extendedprice * l_discount) as revenue
from lineitem
where l_shipdate >= date '1994-01-01'
    and l_shipdate < date '1994-01-01' + interval '1' year
    and l_discount between .06 - 0.01 and .06 + 0.01 and l_quantity < 24
"""


def _q7(read: Reader) -> Any:
    df = read("supplier").merge(read("lineitem"), left_on="s_suppkey", right_on="l_suppkey")
    df = df.merge(read("orders"), left_on="l_orderkey", right_on="o_orderkey")
    df = df.merge(read("customer"), left_on="o_custkey", right_on="c_custkey")
    df = df.merge(read("nation"), left_on="s_nationkey", right_on="n_nationkey")
    # nation n1, nation n2: the second copy's columns end in _2, the first's in _1
    df = df.merge(
        read("nation"), left_on="c_nationkey", right_on="n_nationkey", suffixes=("_1", "_2")
    )
    pair = ((df.n_name_1 == "FRANCE") & (df.n_name_2 == "GERMANY")) | (
        (df.n_name_1 == "GERMANY") & (df.n_name_2 == "FRANCE")
    )
    df = df[pair & (df.l_shipdate >= _day("1995-01-01")) & (df.l_shipdate <= _day("1996-12-31"))]
    shipping = df.assign(
        supp_nation=df.n_name_1,
        cust_nation=df.n_name_2,
        l_year=df.l_shipdate.dt.year,
        volume=df.l_extendedprice * (1 - df.l_discount),
    )
    keys = ["supp_nation", "cust_nation", "l_year"]
    out = shipping.groupby(keys).volume.sum().reset_index()
    return out.rename(columns={"volume": "revenue"}).sort_values(keys)


_Q7 = """
select supp_nation, cust_nation, l_year, sum(volume) as revenue
from (
    select n1.n_name as supp_nation, n2.n_name as cust_nation,
        extract(year from l_shipdate) as l_year,
        l_extendedprice * (1 - l_discount) as volume
    from supplier, lineitem, orders, customer, nation n1, nation n2
    where s_suppkey = l_suppkey and o_orderkey = l_orderkey and c_custkey = o_custkey
        and s_nationkey = n1.n_nationkey and c_nationkey = n2.n_nationkey
        and ((n1.n_name = 'FRANCE' and n2.n_name = 'GERMANY')
            or (n1.n_name = 'GERMANY' and n2.n_name = 'FRANCE'))
        and l_shipdate between date '1995-01-01' and date '1996-12-31'
) as shipping
group by supp_nation, cust_nation, l_year
order by supp_nation, cust_nation, l_year
"""


def _q10(read: Reader) -> Any:
    df = read("customer").merge(read("orders"), left_on="c_custkey", right_on="o_custkey")
    df = df.merge(read("lineitem"), left_on="o_orderkey", right_on="l_orderkey")
    df = df.merge(read("nation"), left_on="c_nationkey", right_on="n_nationkey")
    start = _day("1993-10-01")
    end = start + _offset(months=3)
    df = df[(df.o_orderdate >= start) & (df.o_orderdate < end) & (df.l_returnflag == "R")]
    df["revenue"] = df.l_extendedprice * (1 - df.l_discount)
    keys = ["c_custkey", "c_name", "c_acctbal", "c_phone", "n_name", "c_address", "c_comment"]
    out = df.groupby(keys).revenue.sum().reset_index()
    columns = ["c_custkey", "c_name", "revenue", "c_acctbal", "n_name", "c_address", "c_phone"]
    out = out[[*columns, "c_comment"]]
    return out.sort_values("revenue", ascending=False).head(20, compute=False)


_Q10 = """
select c_custkey, c_name, sum(l_extendedprice * (1 - l_discount)) as revenue, c_acctbal,
    n_name, c_address, c_phone, c_comment
from customer, orders, lineitem, nation
where c_custkey = o_custkey and l_orderkey = o_orderkey
    and o_orderdate >= date '1993-10-01'
    and o_orderdate < date '1993-10-01' + interval '3' month
    and l_returnflag = 'R' and c_nationkey = n_nationkey
group by c_custkey, c_name, c_acctbal, c_phone, n_name, c_address, c_comment
order by revenue desc
limit 20
"""


def _q12(read: Reader) -> Any:
    df = read("orders").merge(read("lineitem"), left_on="o_orderkey", right_on="l_orderkey")
    start = _day("1994-01-01")
    df = df[
        df.l_shipmode.isin(["MAIL", "SHIP"])
        & (df.l_commitdate < df.l_receiptdate)
        & (df.l_shipdate < df.l_commitdate)
        & (df.l_receiptdate >= start)
        & (df.l_receiptdate < start + _offset(years=1))
    ]
    high = (df.o_orderpriority == "1-URGENT") | (df.o_orderpriority == "2-HIGH")
    low = (df.o_orderpriority != "1-URGENT") & (df.o_orderpriority != "2-HIGH")
    df = df.assign(high_line_count=high.astype("int64"), low_line_count=low.astype("int64"))
    out = df.groupby("l_shipmode")[["high_line_count", "low_line_count"]].sum()
    return out.reset_index().sort_values("l_shipmode")


_Q12 = """
select l_shipmode,
    sum(case when o_orderpriority = '1-URGENT' or o_orderpriority = '2-HIGH'
        then 1 else 0 end) as high_line_count,
    sum(case when o_orderpriority <> '1-URGENT' and o_orderpriority <> '2-HIGH'
        then 1 else 0 end) as low_line_count
from orders, lineitem
where o_orderkey = l_orderkey and l_shipmode in ('MAIL', 'SHIP')
    and l_commitdate < l_receiptdate and l_shipdate < l_commitdate
    and l_receiptdate >= date '1994-01-01'
    and l_receiptdate < date '1994-01-01' + interval '1' year
group by l_shipmode
order by l_shipmode
"""


def _q14(read: Reader) -> Any:
    df = read("lineitem").merge(read("part"), left_on="l_partkey", right_on="p_partkey")
    start = _day("1995-09-01")
    df = df[(df.l_shipdate >= start) & (df.l_shipdate < start + _offset(months=1))]
    revenue = df.l_extendedprice * (1 - df.l_discount)
    promo = revenue.where(df.p_type.str.startswith("PROMO"), 0)
    return 100.00 * promo.sum() / revenue.sum()


_Q14 = """
select 100.00 * sum(case when p_type like 'PROMO%'
        then l_extendedprice * (1 - l_discount) else 0 end)
    / sum(l_extendedprice * (1 - l_discount)) as promo_revenue
from lineitem, part
where l_partkey = p_partkey and l_shipdate >= date '1995-09-01'
    and l_shipdate < date '1995-09-01' + interval '1' month
"""


def _q18(read: Reader) -> Any:
    lineitem = read("lineitem")
    totals = lineitem.groupby("l_orderkey").l_quantity.sum().reset_index()
    large = totals[totals.l_quantity > 300][["l_orderkey"]]
    df = read("customer").merge(read("orders"), left_on="c_custkey", right_on="o_custkey")
    df = df.merge(lineitem, left_on="o_orderkey", right_on="l_orderkey")
    # o_orderkey in (subquery): a semi-join
    df = df.merge(large, how="leftsemi", left_on="o_orderkey", right_on="l_orderkey")
    keys = ["c_name", "c_custkey", "o_orderkey", "o_orderdate", "o_totalprice"]
    out = df.groupby(keys).l_quantity.sum().reset_index()
    out = out.rename(columns={"l_quantity": "sum(l_quantity)"})
    return out.sort_values(["o_totalprice", "o_orderdate"], ascending=[False, True]).head(
        100, compute=False
    )


_Q18 = """
select c_name, c_custkey, o_orderkey, o_orderdate, o_totalprice, sum(l_quantity)
from customer, orders, lineitem
where o_orderkey in (
        select l_orderkey from lineitem group by l_orderkey having sum(l_quantity) > 300)
    and c_custkey = o_custkey and o_orderkey = l_orderkey
group by c_name, c_custkey, o_orderkey, o_orderdate, o_totalprice
order by o_totalprice desc, o_orderdate
limit 100
"""

#: The queries, by workload name, in the order of the specification.
QUERIES = {
    q.name: q
    for q in (
        Query("q1", "Pricing summary: filter, group-by of 8 aggregates, sort", _Q1, _q1),
        Query("q3", "Shipping priority: 3-table join, group-by, top 10", _Q3, _q3),
        Query("q5", "Local supplier volume: 6-table join, group-by, sort", _Q5, _q5),
        Query("q6", "Forecasting revenue change: filter, sum", _Q6, _q6, scalar="revenue"),
        Query("q7", "Volume shipping: 6-table join (nation twice), group-by, sort", _Q7, _q7),
        Query("q10", "Returned items: 4-table join, group-by of 7 keys, top 20", _Q10, _q10),
        Query("q12", "Shipping modes: join, conditional counts, group-by, sort", _Q12, _q12),
        Query("q14", "Promotion effect: join, conditional sum", _Q14, _q14, scalar="promo_revenue"),
        Query("q18", "Large volume customers: semi-join on a group-by, top 100", _Q18, _q18),
    )
}
