@echo off
rem Double-click launcher for clerks on Windows: assess what is in input\ and write to output\,
rem then wait for a key so that the summary can be read. All messages come from process.py.
rem Keep this file pure ASCII with CRLF line ends (cmd.exe reads it in the ANSI code page).
setlocal
cd /d "%~dp0"
if not exist ".venv\Scripts\python.exe" (
    echo First run: installing the program into .venv ...
    py -3 -m venv .venv || python -m venv .venv || goto nopython
    ".venv\Scripts\python.exe" -m pip install -q -r requirements.txt || goto failed
)
".venv\Scripts\python.exe" process.py --input input --output output %*
set RC=%ERRORLEVEL%
echo.
pause
exit /b %RC%
:nopython
echo Python 3.11 or newer was not found. Install it from python.org, then run this file again.
pause
exit /b 2
:failed
echo Installing the required packages failed. See the messages above.
pause
exit /b 2
